import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { log } from '../../lib/log.js';
import { authenticate, type SignatureScheme } from './authenticate.js';
import {
  changedPaths,
  header,
  ignored,
  PushCommitSchema,
  parseRef,
  rejected,
  type WebhookHandler,
  type WebhookOutcome,
  ZERO_SHA,
} from './event.js';
import { mergeRequest } from './gitlab-merge-request.js';
import { GitLabProjectSchema, gitlabRepo } from './gitlab-project.js';
import { pushRun } from './push.js';

const logger = log.child({ module: 'server/webhooks', forge: 'gitlab' });

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * `X-Gitlab-Token`: the repository's secret itself, not an HMAC. Compared as SHA-256 digests
 * with `timingSafeEqual`, so neither its content nor its length shows in the time taken.
 */
const TOKEN: SignatureScheme = {
  header: 'X-Gitlab-Token',
  form: /^.+$/s,
  check: (secret, _rawBody, token) => timingSafeEqual(digest(token), digest(secret)),
};

const projectName = (body: unknown): string | undefined => {
  const named = z.object({ project: GitLabProjectSchema }).safeParse(body);
  return named.success ? named.data.project.path_with_namespace : undefined;
};

/**
 * POST /hooks/gitlab: checks size and `X-Gitlab-Token` against the secret of the payload's
 * `project.path_with_namespace`, then Push Hook, Tag Push Hook and Merge Request Hook become
 * one run event. The delivery id is `Idempotency-Key` (the same on every retry of one event),
 * else `X-Gitlab-Event-UUID` (older GitLab). System Hook deliveries are ignored.
 */
export const gitlabWebhook: WebhookHandler = async (headers, rawBody, secretFor) => {
  const auth = await authenticate(rawBody, header(headers, TOKEN.header), TOKEN, secretFor, projectName);
  if (!auth.ok) return auth.outcome;
  const name = header(headers, 'x-gitlab-event');
  const deliveryId = header(headers, 'idempotency-key') || header(headers, 'x-gitlab-event-uuid');
  if (!name) return rejected(400, 'no X-Gitlab-Event header');
  if (!deliveryId) return rejected(400, 'no Idempotency-Key or X-Gitlab-Event-UUID header');
  const outcome = normalise(name, deliveryId, auth.body);
  if (outcome.kind !== 'run') logger.info({ deliveryId, event: name, outcome }, 'webhook not run');
  return outcome;
};

function normalise(name: string, deliveryId: string, body: unknown): WebhookOutcome {
  if (name === 'Push Hook' || name === 'Tag Push Hook') return push(deliveryId, body);
  if (name === 'Merge Request Hook') return mergeRequest(deliveryId, body);
  if (name === 'System Hook')
    return ignored('System Hook: instance-wide, it would repeat the project webhook; add a project webhook');
  return ignored(`unhandled event ${name}`);
}

/** A push or tag push; `checkout_sha` is the commit (`after` of a tag push may be a tag object). */
const PushSchema = z.object({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string().min(1),
  checkout_sha: z.string().min(1).nullish(),
  commits: z.array(PushCommitSchema),
  total_commits_count: z.number().int().nonnegative(),
  project: GitLabProjectSchema,
});

/**
 * A branch or tag push as a run; a deletion (`checkout_sha` null, `after` all zeros) and other
 * refs are ignored. GitLab lists at most 20 commits: when `total_commits_count` says more were
 * pushed, the changed paths are unknown.
 */
function push(deliveryId: string, body: unknown): WebhookOutcome {
  const parsed = PushSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `push payload: ${z.prettifyError(parsed.error)}`);
  const p = parsed.data;
  if (!p.checkout_sha || ZERO_SHA.test(p.after)) return ignored(`${p.ref} deleted`);
  const ref = parseRef(p.ref);
  if (ref.kind === 'other') return ignored(`push to ${p.ref}`);
  const sha = p.checkout_sha;
  const head = p.commits.find((c) => c.id === sha);
  const complete = p.total_commits_count <= p.commits.length;
  const paths = complete ? changedPaths(p.commits) : undefined;
  return pushRun(deliveryId, gitlabRepo(p.project), ref, sha, head, paths, p.before);
}
