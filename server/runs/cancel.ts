import { log } from '../../lib/log.js';
import {
  FINAL_JOB_STATES,
  FINAL_RUN_STATUSES,
  getJobs,
  getRun,
  type JobRecord,
  type RunRecord,
  revokeJobToken,
  updateJob,
  updateRun,
} from '../store/index.js';
import type { RunsDeps } from './deps.js';
import { reportRunStatus } from './forge-status.js';

const logger = log.child({ module: 'server/runs/cancel' });

/**
 * Cancels a run: it is `cancelled` at once; jobs not yet taken by a runner are removed from
 * their queue and `cancelled`; running ones are told to stop (their runner kills the containers
 * and reports them `cancelled`). Idempotent; a finished run is left as it is. Returns the run,
 * or undefined when there is none.
 */
export async function cancelRun(deps: RunsDeps, runId: string): Promise<RunRecord | undefined> {
  const run = await getRun(deps.redis, runId);
  if (!run) return undefined;
  if (FINAL_RUN_STATUSES.includes(run.status)) return run;
  const now = Date.now();
  const done = await updateRun(deps.redis, runId, (r) =>
    FINAL_RUN_STATUSES.includes(r.status) ? undefined : { ...r, status: 'cancelled', finishedAt: now },
  );
  await cancelJobs(deps, await getJobs(deps.redis, run.jobs));
  if (done?.changed) {
    logger.info({ run: runId }, 'run cancelled');
    void reportRunStatus(deps, done.value, 'cancelled');
  }
  return done?.value ?? run;
}

/**
 * Stops the jobs of a cancelled run: those not taken by a runner are removed from their queue
 * and `cancelled`; a runner holding one is told to stop (it reports `cancelled`). Final jobs
 * are left alone. Idempotent (the reconciler calls it again for a job back on its queue).
 */
export async function cancelJobs(deps: RunsDeps, jobs: readonly JobRecord[]): Promise<void> {
  const now = Date.now();
  for (const job of jobs) {
    if (FINAL_JOB_STATES.includes(job.state)) continue;
    const removed = job.state === 'running' ? false : await deps.queue.remove(job.id, job.spec.labels);
    if (job.state === 'waiting' || removed) {
      await updateJob(deps.redis, job.id, (j) =>
        FINAL_JOB_STATES.includes(j.state) || j.state === 'running'
          ? undefined
          : {
              ...j,
              state: 'cancelled',
              finishedAt: now,
              steps: j.steps.map((s) => (s.status === 'waiting' ? { ...s, status: 'cancelled' } : s)),
            },
      );
      await revokeJobToken(deps.redis, job.id);
    }
    // Taken by a runner (or about to be): it stops at the signal and reports `cancelled`.
    await deps.queue.cancel(job.id);
  }
}
