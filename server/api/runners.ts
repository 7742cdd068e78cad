import { Hono } from 'hono';
import { RUNNER_OFFLINE_MS, type RunnerHeartbeat } from '../../pipelines/index.js';
import { runnerHeartbeats } from '../runs/index.js';
import { type ApiEnv, type AuthDeps, requireToken } from './auth.js';

/**
 * A runner as `GET /api/runners` shows it. `state`: `offline` once its last heartbeat is
 * RUNNER_OFFLINE_MS old, else `draining` when it takes no more jobs, else `busy` when it runs
 * any job (`free` says how many more it would take), else `idle`.
 */
export function runnerView(r: RunnerHeartbeat, now = Date.now()) {
  const ago = Math.max(0, now - r.lastSeen);
  const state =
    ago >= RUNNER_OFFLINE_MS ? 'offline' : r.draining ? 'draining' : r.running.length > 0 ? 'busy' : 'idle';
  return {
    name: r.name,
    labels: r.labels,
    concurrency: r.concurrency,
    running: r.running,
    free: state === 'offline' || state === 'draining' ? 0 : Math.max(0, r.concurrency - r.running.length),
    state,
    lastSeen: { at: new Date(r.lastSeen).toISOString(), agoMs: ago },
  };
}

/** `GET /api/runners` (mounted at `/api/runners`; token): every runner that ever sent a heartbeat, by name. */
export function runnerRoutes(deps: Pick<AuthDeps, 'redis'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', requireToken(deps), async (c) => {
    const now = Date.now();
    return c.json((await runnerHeartbeats(deps.redis)).map((r) => runnerView(r, now)));
  });
  return app;
}
