import { randomBytes } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { z } from 'zod';
import { log } from '../../lib/log.js';
import {
  authorOf,
  changedPaths,
  header,
  ignored,
  MAX_BODY_BYTES,
  PushCommitSchema,
  parseJson,
  parseRef,
  rejected,
  UNAUTHORIZED,
  type WebhookHandler,
  type WebhookOutcome,
  ZERO_SHA,
} from './event.js';

const logger = log.child({ module: 'server/webhooks', forge: 'github' });

/** GitHub lists at most this many commits in a push; a full list may be a cut one. */
const MAX_PUSH_COMMITS = 2048;

/** Signs nothing real: verified against when the repository is unknown, so both 401s take as long. */
const DECOY_SECRET = randomBytes(32).toString('hex');

const RepositorySchema = z.object({
  full_name: z.string().min(1),
  clone_url: z.string().min(1),
  default_branch: z.string(),
});

const PushSchema = z.object({
  ref: z.string(),
  after: z.string().min(1),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  commits: z.array(PushCommitSchema),
  head_commit: PushCommitSchema.nullable().optional(),
  repository: RepositorySchema,
});

const PullRequestSchema = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({
    title: z.string(),
    user: z.object({ login: z.string() }),
    head: z.object({
      ref: z.string(),
      sha: z.string().min(1),
      repo: z.object({ id: z.number() }).nullable(),
    }),
    base: z.object({ ref: z.string(), repo: z.object({ id: z.number() }) }),
  }),
  repository: RepositorySchema,
});

/** Pull request actions that put new code in front of the pipeline. */
const PR_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

/**
 * POST /hooks/github: checks size, `X-Hub-Signature-256` (against the payload repository's
 * secret, constant time, over the raw body), then turns push, tag push and pull_request into
 * one run event. See event.ts for the outcomes.
 */
export const githubWebhook: WebhookHandler = async (headers, rawBody, secretFor) => {
  if (rawBody.length > MAX_BODY_BYTES) return rejected(413, `body over ${MAX_BODY_BYTES} bytes`);
  const name = header(headers, 'x-github-event');
  const deliveryId = header(headers, 'x-github-delivery');
  if (!name) return rejected(400, 'no X-GitHub-Event header');
  if (!deliveryId) return rejected(400, 'no X-GitHub-Delivery header');
  const signature = header(headers, 'x-hub-signature-256') ?? '';
  if (!/^sha256=[0-9a-f]{64}$/i.test(signature)) return rejected(401, 'unsigned: no X-Hub-Signature-256');
  const body = parseJson(rawBody);
  if (body === undefined) return rejected(400, 'body is not UTF-8 JSON');
  const repo = z.object({ repository: z.object({ full_name: z.string().min(1) }) }).safeParse(body);
  if (!repo.success) return rejected(401, UNAUTHORIZED);
  const secret = secretFor(repo.data.repository.full_name);
  const text = rawBody.toString('utf8');
  const valid = await verify(secret ?? DECOY_SECRET, text, signature.toLowerCase());
  if (secret === undefined || !valid) return rejected(401, UNAUTHORIZED);
  const outcome = normalise(name, deliveryId, body);
  if (outcome.kind !== 'run') logger.info({ deliveryId, event: name, outcome }, 'webhook not run');
  return outcome;
};

function normalise(name: string, deliveryId: string, body: unknown): WebhookOutcome {
  if (name === 'ping') return ignored('ping');
  if (name === 'push') return push(deliveryId, body);
  if (name === 'pull_request') return pullRequest(deliveryId, body);
  return ignored(`unhandled event ${name}`);
}

function repoOf(r: z.infer<typeof RepositorySchema>) {
  return { fullName: r.full_name, cloneUrl: r.clone_url, defaultBranch: r.default_branch };
}

function eventRepo(r: z.infer<typeof RepositorySchema>) {
  return {
    name: r.full_name,
    url: r.clone_url,
    ...(r.default_branch ? { defaultBranch: r.default_branch } : {}),
  };
}

function push(deliveryId: string, body: unknown): WebhookOutcome {
  const parsed = PushSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `push payload: ${z.prettifyError(parsed.error)}`);
  const p = parsed.data;
  if (p.deleted || ZERO_SHA.test(p.after)) return ignored(`${p.ref} deleted`);
  const ref = parseRef(p.ref);
  if (ref.kind === 'other') return ignored(`push to ${p.ref}`);
  const head = p.head_commit?.id === p.after ? p.head_commit : p.commits.find((c) => c.id === p.after);
  const trusted = !p.forced && p.commits.length < MAX_PUSH_COMMITS;
  const paths = trusted ? changedPaths(p.commits) : undefined;
  return {
    kind: 'run',
    deliveryId,
    repo: repoOf(p.repository),
    fromFork: false,
    event: {
      kind: ref.kind === 'tag' ? 'tag' : 'push',
      ...(ref.kind === 'tag' ? { tag: ref.name } : { branch: ref.name }),
      repo: eventRepo(p.repository),
      commit: { sha: p.after, message: head?.message ?? '', author: head ? authorOf(head) : '' },
      ...(paths === undefined ? {} : { changedPaths: paths }),
    },
  };
}

function pullRequest(deliveryId: string, body: unknown): WebhookOutcome {
  const parsed = PullRequestSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `pull_request payload: ${z.prettifyError(parsed.error)}`);
  const { action, number, pull_request: pr, repository } = parsed.data;
  if (!PR_ACTIONS.has(action)) return ignored(`pull_request action ${action}`);
  return {
    kind: 'run',
    deliveryId,
    repo: repoOf(repository),
    fromFork: pr.head.repo === null || pr.head.repo.id !== pr.base.repo.id,
    event: {
      kind: 'pull_request',
      branch: pr.head.ref,
      repo: eventRepo(repository),
      commit: { sha: pr.head.sha, message: pr.title, author: pr.user.login },
      pullRequest: { number, targetBranch: pr.base.ref },
    },
  };
}
