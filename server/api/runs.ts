import { type Context, Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { cancelRun, type RunsDeps, rerunRun } from '../runs/index.js';
import { getRun, type RunRecord, RunRecordSchema } from '../store/index.js';
import { type ApiEnv, readAccess, requireToken } from './auth.js';
import { ApiError, queryOf } from './errors.js';
import { runView } from './run-views.js';

const RunIdSchema = RunRecordSchema.shape.id;

const RerunQuerySchema = z.strictObject({ failed: z.enum(['true', 'false']).optional() });

/** The run of `id`, or undefined when `id` is not a run id or names no run. */
export async function findRun(redis: Redis, id: string | undefined): Promise<RunRecord | undefined> {
  return RunIdSchema.safeParse(id).success ? getRun(redis, id as string) : undefined;
}

/**
 * `/api/runs` (mounted there): `GET /:id` the run with its jobs (public repository, or a token);
 * `POST /:id/cancel` and `POST /:id/rerun[?failed=true]` (token). An unknown run is a 404 with a
 * token and a 401 without one, so nothing tells an anonymous caller which private runs exist.
 */
export function runRoutes(deps: RunsDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const token = requireToken(deps);
  const read = readAccess(deps, async (c) => {
    const run = await findRun(deps.redis, c.req.param('id'));
    if (!run && c.get('caller')) throw noRun(c);
    return run?.repo;
  });
  const existing = async (c: Context<ApiEnv>) => {
    const run = await findRun(deps.redis, c.req.param('id'));
    if (!run) throw noRun(c);
    return run;
  };

  app.get('/:id', read, async (c) => c.json(await runView(deps.redis, await existing(c))));

  app.post('/:id/cancel', token, async (c) => {
    const run = await existing(c);
    const cancelled = (await cancelRun(deps, run.id)) ?? run;
    return c.json(await runView(deps.redis, cancelled));
  });

  app.post('/:id/rerun', token, async (c) => {
    const { failed } = queryOf(c, RerunQuerySchema);
    const run = await existing(c);
    const outcome = await rerunRun(deps, run.id, { failedOnly: failed === 'true' });
    if (!outcome.ok) throw new ApiError(outcome.status, outcome.code, outcome.message);
    return c.json(await runView(deps.redis, outcome.run), 201);
  });

  return app;
}

function noRun(c: Context): ApiError {
  return new ApiError(404, 'not_found', `no run ${JSON.stringify(c.req.param('id') ?? '')}`);
}
