import { Hono } from 'hono';
import { GlobalJobIdSchema } from '../../pipelines/index.js';
import { getJob, getJobs, getRun, type JobRecord } from '../store/index.js';
import { type ApiEnv, type AuthDeps, readAccess } from './auth.js';
import { ApiError } from './errors.js';
import { jobViews } from './run-views.js';

/**
 * `GET /api/jobs/:id` (mounted at `/api/jobs`, beside the log and secrets routes): one job as
 * in its run's view, with its pending reason. Readable like its run's repository; an unknown
 * job is a 404 with a token and a 401 without one.
 */
export function jobRoutes(deps: AuthDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { find, read } = jobAccess(deps);

  app.get('/:id', read, async (c) => {
    const job = await find(c.req.param('id'));
    const run = job ? await getRun(deps.redis, job.runId) : undefined;
    if (!job || !run) throw new ApiError(404, 'not_found', `no job ${JSON.stringify(c.req.param('id'))}`);
    const [view] = await jobViews(deps.redis, [job], await getJobs(deps.redis, run.jobs));
    return c.json(view);
  });

  return app;
}

/**
 * What the `/api/jobs/:id…` routes share: `find` (the job of a well-formed global id, else
 * undefined) and `read`, the middleware that lets a request through only when the caller may
 * read the job's repository (an unknown job is a 404 with a token, a 401 without one).
 */
export function jobAccess(deps: AuthDeps) {
  const find = async (id: string | undefined): Promise<JobRecord | undefined> =>
    GlobalJobIdSchema.safeParse(id).success ? getJob(deps.redis, id as string) : undefined;
  const read = readAccess(deps, async (c) => {
    const job = await find(c.req.param('id'));
    const run = job ? await getRun(deps.redis, job.runId) : undefined;
    if (!run && c.get('caller'))
      throw new ApiError(404, 'not_found', `no job ${JSON.stringify(c.req.param('id') ?? '')}`);
    return run?.repo;
  });
  return { find, read };
}
