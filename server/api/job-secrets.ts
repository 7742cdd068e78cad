import { Hono } from 'hono';
import type { Redis } from '../../lib/redis.js';
import { type JobRecord, jobForToken, type RepoStore, type RunRecord } from '../store/index.js';
import { bearerToken } from './auth.js';
import { ApiError } from './errors.js';

/** What the job-secrets route reads: the job and run records (from the run store), the secrets. */
export interface JobSecretsDeps {
  redis: Redis;
  repos: RepoStore;
  job(jobId: string): Promise<JobRecord | undefined>;
  run(runId: string): Promise<RunRecord | undefined>;
}

/**
 * `GET /api/jobs/:id/secrets` (mounted at `/api/jobs`) for a runner holding the job-scoped token
 * of QueuedJob.secrets: `{NAME: value}` for the secrets the job's JobSpec names and the
 * repository has, only while the job is `queued` or `running`, never for a pull request from a
 * fork. No token or an unknown one → 401; a token of another job, a fork → 403; a job that is
 * not queued or running → 409.
 */
export function jobSecretRoutes(deps: JobSecretsDeps): Hono {
  const app = new Hono();
  app.get('/:id/secrets', async (c) => {
    const token = bearerToken(c);
    const tokenJob = token === undefined ? undefined : await jobForToken(deps.redis, token);
    if (!tokenJob)
      throw new ApiError(401, 'unauthorized', 'this request needs the job-scoped token of a live job');
    const id = c.req.param('id');
    if (tokenJob !== id) throw new ApiError(403, 'forbidden', `the token is not for job ${id}`);
    const job = await deps.job(id);
    if (!job) throw new ApiError(404, 'not_found', `job ${id} does not exist`);
    if (job.state !== 'queued' && job.state !== 'running')
      throw new ApiError(
        409,
        'job_not_running',
        `job ${id} is ${job.state}: secrets are given only while it is queued or running`,
      );
    const run = await deps.run(job.runId);
    if (!run) throw new ApiError(404, 'not_found', `run ${job.runId} of job ${id} does not exist`);
    if (run.trigger.fromFork)
      throw new ApiError(403, 'forbidden', 'a pull request from a fork gets no secrets');
    const values = await deps.repos.secretValues(run.repo, job.spec.secrets);
    c.header('Cache-Control', 'no-store');
    return c.json(values);
  });
  return app;
}
