import type { Redis } from 'ioredis';
import type { RunnerHeartbeat } from '../../pipelines/index.js';
import { pendingReason, queuePlace, runnerHeartbeats } from '../runs/index.js';
import { getJobs, type JobRecord, type RunRecord } from '../store/index.js';

/** Times are ms since the epoch, as stored; `durationMs` once something has started and ended. */
function timings(r: { createdAt?: number; queuedAt?: number; startedAt?: number; finishedAt?: number }) {
  return {
    ...(r.createdAt !== undefined ? { createdAt: r.createdAt } : {}),
    ...(r.queuedAt !== undefined ? { queuedAt: r.queuedAt } : {}),
    ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
    ...(r.finishedAt !== undefined ? { finishedAt: r.finishedAt } : {}),
    ...(r.startedAt !== undefined && r.finishedAt !== undefined
      ? { durationMs: r.finishedAt - r.startedAt }
      : {}),
  };
}

/** A run as lists show it: no jobs, the trigger without its delivery id. */
export function runSummary(run: RunRecord) {
  const { deliveryId: _delivery, ...trigger } = run.trigger;
  return {
    id: run.id,
    repo: run.repo,
    number: run.number,
    pipeline: run.pipeline,
    file: run.file,
    status: run.status,
    trigger,
    problems: run.problems,
    ...(run.rerunOf ? { rerunOf: run.rerunOf } : {}),
    ...timings(run),
  };
}

/** A job as the API shows it; `pendingReason` only while it waits or is queued. */
export function jobView(job: JobRecord, reason: string | undefined) {
  return {
    id: job.id,
    runId: job.runId,
    planId: job.planId,
    name: job.name,
    state: job.state,
    ...(reason !== undefined ? { pendingReason: reason } : {}),
    needs: job.spec.needs,
    ...(Object.keys(job.spec.matrix).length > 0 ? { matrix: job.spec.matrix } : {}),
    labels: job.spec.labels,
    allowFailure: job.spec.allowFailure,
    steps: job.steps,
    ...(job.runner !== undefined ? { runner: job.runner } : {}),
    attempts: job.attempts,
    ...(job.error ? { error: job.error } : {}),
    ...(job.image ? { image: job.image } : {}),
    ...(job.reusedFrom ? { reusedFrom: job.reusedFrom } : {}),
    ...timings(job),
  };
}

/** The views of `jobs` (all of one run, for `needs`), with pending reasons from the runners' heartbeats. */
export async function jobViews(redis: Redis, jobs: readonly JobRecord[], runJobs = jobs) {
  const waits = jobs.some((j) => j.state === 'waiting' || j.state === 'queued');
  const runners: RunnerHeartbeat[] = waits ? await runnerHeartbeats(redis) : [];
  const now = Date.now();
  const places = await Promise.all(
    jobs.map((j) => (j.state === 'queued' ? queuePlace(redis, j) : Promise.resolve(undefined))),
  );
  return jobs.map((j, i) => {
    const place = places[i];
    const view = jobView(j, pendingReason(j, runJobs, runners, now, place));
    return { ...view, ...(place ? { queuePosition: place.position } : {}) };
  });
}

/** A run with its jobs, as `GET /api/runs/:id` answers. */
export async function runView(redis: Redis, run: RunRecord) {
  const jobs = await getJobs(redis, run.jobs);
  return { ...runSummary(run), jobs: await jobViews(redis, jobs) };
}
