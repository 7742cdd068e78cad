import { verify } from '@octokit/webhooks-methods';
import { z } from 'zod';
import { log } from '../../lib/log.js';
import { authenticate, type SignatureScheme } from './authenticate.js';
import { header, ignored, rejected, type WebhookHandler, type WebhookOutcome } from './event.js';
import { normalisePush, pullRequestRun, RepositorySchema } from './push.js';

const logger = log.child({ module: 'server/webhooks', forge: 'github' });

/** GitHub lists at most this many commits in a push; a full list may be a cut one. */
const MAX_PUSH_COMMITS = 2048;

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
const SIGNATURE: SignatureScheme = {
  header: 'X-Hub-Signature-256',
  form: /^sha256=[0-9a-f]{64}$/i,
  check: (secret, rawBody, signature) => verify(secret, rawBody.toString('utf8'), signature.toLowerCase()),
};

/**
 * POST /hooks/github: checks size, `X-Hub-Signature-256` (against the payload repository's
 * secret, constant time, over the raw body), then turns push, tag push and pull_request into
 * one run event. See event.ts for the outcomes.
 */
export const githubWebhook: WebhookHandler = async (headers, rawBody, secretFor) => {
  const signature = header(headers, SIGNATURE.header);
  const auth = await authenticate(rawBody, signature, SIGNATURE, secretFor);
  if (!auth.ok) return auth.outcome;
  const name = header(headers, 'x-github-event');
  const deliveryId = header(headers, 'x-github-delivery');
  if (!name) return rejected(400, 'no X-GitHub-Event header');
  if (!deliveryId) return rejected(400, 'no X-GitHub-Delivery header');
  const outcome = normalise(name, deliveryId, auth.body);
  if (outcome.kind !== 'run') logger.info({ deliveryId, event: name, outcome }, 'webhook not run');
  return outcome;
};

function normalise(name: string, deliveryId: string, body: unknown): WebhookOutcome {
  if (name === 'ping') return ignored('ping');
  if (name === 'push') return normalisePush(deliveryId, body, MAX_PUSH_COMMITS);
  if (name === 'pull_request') return pullRequest(deliveryId, body);
  return ignored(`unhandled event ${name}`);
}

function pullRequest(deliveryId: string, body: unknown): WebhookOutcome {
  const parsed = PullRequestSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `pull_request payload: ${z.prettifyError(parsed.error)}`);
  const { action, number, pull_request: pr, repository } = parsed.data;
  if (!PR_ACTIONS.has(action)) return ignored(`pull_request action ${action}`);
  return pullRequestRun(deliveryId, repository, {
    number,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    title: pr.title,
    author: pr.user.login,
    fromFork: pr.head.repo === null || pr.head.repo.id !== pr.base.repo.id,
  });
}
