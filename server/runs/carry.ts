import type { Redis } from 'ioredis';
import { getJobs, type JobRecord, type RunRecord, updateJob } from '../store/index.js';

/**
 * The jobs of an earlier run a failed-jobs re-run takes over, by plan id: those that succeeded
 * and whose needs (all the way up) are taken over too. A job that failed, was cancelled or
 * skipped runs again, and so does everything that depends on one that runs again.
 */
export function carriedJobs(jobs: readonly JobRecord[]): Map<string, JobRecord> {
  const byPlanId = new Map(jobs.map((j) => [j.planId, j]));
  const decided = new Map<string, boolean>();
  const carried = (job: JobRecord): boolean => {
    const known = decided.get(job.planId);
    if (known !== undefined) return known;
    const yes =
      job.state === 'success' &&
      job.spec.needs.every((id) => {
        const need = byPlanId.get(id);
        return need !== undefined && carried(need);
      });
    decided.set(job.planId, yes);
    return yes;
  };
  return new Map(jobs.filter(carried).map((j) => [j.planId, j]));
}

/**
 * Gives each still-waiting job of the new run `run` whose plan id is in `carry` the earlier
 * job's result: `success` with its steps, runner, attempts, image, artifacts, error and timings, and
 * `reusedFrom` naming it. Such a job is never queued. Call it before the run is first advanced;
 * applying it twice changes nothing (only `waiting` jobs change).
 */
export async function carryJobs(
  redis: Redis,
  run: RunRecord,
  carry: ReadonlyMap<string, JobRecord>,
): Promise<void> {
  for (const job of await getJobs(redis, run.jobs)) {
    const from = carry.get(job.planId);
    if (!from) continue;
    await updateJob(redis, job.id, (j) =>
      j.state !== 'waiting'
        ? undefined
        : {
            ...j,
            state: from.state,
            steps: from.steps,
            attempts: from.attempts,
            allowedFailure: from.allowedFailure,
            reusedFrom: from.reusedFrom ?? from.id,
            ...(from.runner !== undefined ? { runner: from.runner } : {}),
            ...(from.error ? { error: from.error } : {}),
            ...(from.image ? { image: from.image } : {}),
            ...(from.artifacts ? { artifacts: from.artifacts } : {}),
            ...(from.artifactsStored ? { artifactsStored: from.artifactsStored } : {}),
            ...(from.queuedAt !== undefined ? { queuedAt: from.queuedAt } : {}),
            ...(from.startedAt !== undefined ? { startedAt: from.startedAt } : {}),
            ...(from.finishedAt !== undefined ? { finishedAt: from.finishedAt } : {}),
          },
    );
  }
}
