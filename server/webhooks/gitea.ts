import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { log } from '../../lib/log.js';
import { authenticate, type SignatureScheme } from './authenticate.js';
import { header, ignored, rejected, type WebhookHandler, type WebhookOutcome } from './event.js';
import { normalisePush, pullRequestRun, RepositorySchema } from './push.js';

const logger = log.child({ module: 'server/webhooks', forge: 'gitea' });

/** Forgejo sends the same deliveries under its own header names too; Gitea's are read first. */
const either = (headers: Record<string, string | undefined>, suffix: string) =>
  header(headers, `x-gitea-${suffix}`) ?? header(headers, `x-forgejo-${suffix}`);

/** `X-Gitea-Signature` (or `X-Forgejo-Signature`): hex HMAC-SHA256 of the raw body, no prefix. */
const SIGNATURE: SignatureScheme = {
  header: 'X-Gitea-Signature',
  form: /^[0-9a-f]{64}$/i,
  check: (secret, rawBody, signature) =>
    timingSafeEqual(Buffer.from(signature, 'hex'), createHmac('sha256', secret).update(rawBody).digest()),
};

const PullRequestSchema = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({
    title: z.string(),
    user: z.object({ login: z.string() }),
    head: z.object({ ref: z.string(), sha: z.string().min(1), repo_id: z.number() }),
    base: z.object({ ref: z.string(), repo_id: z.number() }),
  }),
  repository: RepositorySchema,
});

/** Gitea's pull request actions that put new code in front of the pipeline (`synchronized`, not GitHub's `synchronize`). */
const PR_ACTIONS = new Set(['opened', 'synchronized', 'reopened']);

/**
 * POST /hooks/gitea, for Gitea and Forgejo: checks size and `X-Gitea-Signature` (the
 * `X-Hub-Signature-256` Gitea also sends is not read), then push, tag push and pull_request
 * become one run event. A tag push arrives as a `push` and a `create`: the create is ignored.
 */
export const giteaWebhook: WebhookHandler = async (headers, rawBody, secretFor) => {
  const auth = await authenticate(rawBody, either(headers, 'signature'), SIGNATURE, secretFor);
  if (!auth.ok) return auth.outcome;
  const name = either(headers, 'event');
  const deliveryId = either(headers, 'delivery');
  if (!name) return rejected(400, 'no X-Gitea-Event header');
  if (!deliveryId) return rejected(400, 'no X-Gitea-Delivery header');
  const outcome = normalise(name, deliveryId, auth.body);
  if (outcome.kind !== 'run') logger.info({ deliveryId, event: name, outcome }, 'webhook not run');
  return outcome;
};

function normalise(name: string, deliveryId: string, body: unknown): WebhookOutcome {
  if (name === 'push') return normalisePush(deliveryId, body);
  if (name === 'pull_request') return pullRequest(deliveryId, body);
  if (name === 'create') return ignored('create: the push of the same ref starts the run');
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
    fromFork: pr.head.repo_id !== pr.base.repo_id,
  });
}
