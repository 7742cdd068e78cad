import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { type PrefetchHint, WIRE_VERSION, wireKeys } from '../../pipelines/index.js';
import type { RepoStore } from '../store/index.js';
import { keys, type Repo, type RunRecord } from '../store/index.js';
import {
  giteaWebhook,
  githubWebhook,
  gitlabWebhook,
  MAX_BODY_BYTES,
  type WebhookHandler,
  type WebhookOutcome,
} from '../webhooks/index.js';

const logger = log.child({ module: 'server/api/hooks' });

/** How long a delivery id is remembered: a redelivery within it starts nothing. */
const DELIVERY_TTL_S = 7 * 24 * 3600;
/** How long a delivery being handled blocks its redelivery if this server dies meanwhile. */
const IN_FLIGHT_TTL_S = 300;

const HANDLERS: Record<Repo['forge'], WebhookHandler> = {
  github: githubWebhook,
  gitlab: gitlabWebhook,
  gitea: giteaWebhook,
};

export interface HookDeps {
  redis: Redis;
  repos: RepoStore;
  /** Starts the runs of an accepted delivery (server/runs startRuns). */
  start(repo: Repo, outcome: Extract<WebhookOutcome, { kind: 'run' }>): Promise<RunRecord[]>;
}

/**
 * `POST /hooks/github|gitlab|gitea`: the forge is the endpoint's, never sniffed from headers
 * (Gitea also sends GitHub's). The signature is checked against the secret of the repository
 * named in the payload, and only if that repository is registered for this forge; unknown
 * repository or bad signature → 401, nothing stored. Over MAX_BODY_BYTES → 413. Ignored events
 * → 202. A delivery id seen before → 200 and no second run. Accepted → 201 with the runs.
 */
export function hookRoutes(deps: HookDeps): Hono {
  const app = new Hono();
  app.post(
    '/:forge{github|gitlab|gitea}',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: 'too_large', message: `body over ${MAX_BODY_BYTES} bytes` }, 413),
    }),
    async (c) => {
      const forge = c.req.param('forge') as Repo['forge'];
      const raw = Buffer.from(await c.req.arrayBuffer());
      const secretFor = async (name: string) => {
        const repo = await deps.repos.get(name);
        return repo?.forge === forge ? deps.repos.webhookSecret(name) : undefined;
      };
      const outcome = await HANDLERS[forge](c.req.header(), raw, secretFor);
      if (outcome.kind === 'rejected') {
        logger.warn({ forge, status: outcome.status, reason: outcome.reason }, 'webhook rejected');
        return c.json({ error: 'rejected', message: outcome.reason }, outcome.status);
      }
      if (outcome.kind === 'ignored') {
        logger.info({ forge, reason: outcome.reason }, 'webhook ignored');
        return c.json({ ignored: outcome.reason }, 202);
      }
      const repo = await deps.repos.get(outcome.repo.fullName);
      if (!repo) return c.json({ error: 'rejected', message: 'unknown repository' }, 401);
      const key = keys.delivery(forge, outcome.deliveryId);
      const first = await deps.redis.set(key, 'in-flight', 'EX', IN_FLIGHT_TTL_S, 'NX');
      if (first === null) {
        logger.info({ forge, delivery: outcome.deliveryId }, 'redelivery: no second run');
        return c.json(
          { duplicate: true, message: `delivery ${outcome.deliveryId} was already received` },
          200,
        );
      }
      // Runners that mirror the repository fetch the commit while this server plans the run.
      const hint: PrefetchHint = {
        version: WIRE_VERSION,
        url: repo.cloneUrl,
        commit: outcome.event.commit.sha,
      };
      void deps.redis.publish(wireKeys.prefetchChannel, JSON.stringify(hint)).catch(() => undefined);
      try {
        const runs = await deps.start(repo, outcome);
        await deps.redis.set(key, 'done', 'EX', DELIVERY_TTL_S);
        return c.json({ runs: runs.map((r) => ({ id: r.id, number: r.number, status: r.status })) }, 201);
      } catch (err) {
        await deps.redis.del(key);
        throw err;
      }
    },
  );
  return app;
}
