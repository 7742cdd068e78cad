import { log } from '../../lib/log.js';
import {
  JOB_EVENT_VERSION,
  type JobResult,
  makeJobResult,
  runnerLostResult,
  WIRE_VERSION,
  wireKeys,
} from '../../pipelines/index.js';
import {
  activeRunIds,
  FINAL_JOB_STATES,
  FINAL_RUN_STATUSES,
  forgetActiveRun,
  getJobs,
  getRun,
  type JobRecord,
  type RunRecord,
  updateJob,
} from '../store/index.js';
import { advanceRun } from './advance.js';
import { applyReports } from './apply-report.js';
import { cancelJobs } from './cancel.js';
import type { RunsDeps } from './deps.js';

const logger = log.child({ module: 'server/runs/reconcile' });

/** What one pass found and put right, for logs and tests. */
export interface ReconcileTally {
  runs: number;
  /** Jobs shown `queued` again: back on their queue after their runner was lost or let them go. */
  requeued: number;
  /** Jobs failed by the server: their runners were lost more often than `retry:` allows, or their queue failed them without a result. */
  failed: number;
  /** Jobs their queue had lost, queued again. */
  restored: number;
}

/**
 * One pass over the active runs (keys.activeRuns), bringing each record in line with what
 * the queues hold, so no run hangs whatever was lost (a server killed between storing a run
 * and queueing its jobs, a Redis crash that lost its last second, every runner of a label set
 * gone). Each run is advanced; then each queued or running job is checked against its queue:
 * - back on its queue while recorded `running`, and no newer attempt began: `queued` again,
 *   or failed as "runner lost" once its runners were lost more often than `retry:` allows;
 * - failed by its queue with no result reported: failed with the queue's reason;
 * - missing from its queue with no result on the way (a finished job leaves its queue once its
 *   runner sent the result): back to `waiting`, and queued again.
 * A run leaves the list once it and all its jobs are final. Idempotent, and safe beside other
 * servers and the reports being applied: every change is a compare-and-set from what was read.
 */
export async function reconcileRuns(deps: RunsDeps): Promise<ReconcileTally> {
  const tally: ReconcileTally = { runs: 0, requeued: 0, failed: 0, restored: 0 };
  for (const runId of await activeRunIds(deps.redis)) {
    tally.runs++;
    const run = (await advanceRun(deps, runId)) ?? (await getRun(deps.redis, runId));
    if (!run) {
      await forgetActiveRun(deps.redis, runId);
      continue;
    }
    const jobs = await getJobs(deps.redis, run.jobs);
    const open = jobs.filter((j) => !FINAL_JOB_STATES.includes(j.state));
    const final = FINAL_RUN_STATUSES.includes(run.status);
    if (final && open.length === 0) {
      await forgetActiveRun(deps.redis, runId);
      continue;
    }
    let restored = false;
    for (const job of open) {
      const outcome = await reconcileJob(deps, run, job);
      if (outcome) tally[outcome]++;
      restored ||= outcome === 'restored';
    }
    if (run.status === 'cancelled') await cancelJobs(deps, await getJobs(deps.redis, run.jobs));
    else if (restored) await advanceRun(deps, runId);
  }
  return tally;
}

type Outcome = 'requeued' | 'failed' | 'restored';

async function reconcileJob(deps: RunsDeps, run: RunRecord, job: JobRecord): Promise<Outcome | undefined> {
  if (job.state !== 'queued' && job.state !== 'running') return undefined;
  const entry = await deps.queue.inspect(job.id, job.spec.labels);
  const unchanged = (j: JobRecord) => j.state === job.state && j.attempts === job.attempts;
  if (!entry) {
    if (await deps.queue.finishPending(job.id)) return undefined; // finished: its result is on the way
    const back = await updateJob(deps.redis, job.id, (j) =>
      unchanged(j) ? { ...j, state: 'waiting', steps: waitingSteps(j) } : undefined,
    );
    if (!back?.changed) return undefined;
    logger.warn({ run: run.id, job: job.id }, 'job missing from its queue: queued again');
    return 'restored';
  }
  if (entry.state === 'failed') {
    const reason = entry.failedReason ?? 'unknown reason';
    await finishAsServer(deps, job, failedResult(job, `the runner could not run this job: ${reason}`));
    return 'failed';
  }
  if (entry.state !== 'waiting' || job.state !== 'running') return undefined;
  // Recorded running, but back on its queue: its runner was lost or let it go, or a retry waits.
  const begun = Number((await deps.redis.get(wireKeys.attempts(job.id))) ?? 0);
  if (begun > job.attempts) return undefined; // a newer attempt began; its reports are on the way
  if (entry.stalledCounter > job.spec.retry && run.status !== 'cancelled') {
    await finishAsServer(deps, job, runnerLostResult(job.spec, entry.stalledCounter));
    await deps.queue.remove(job.id, job.spec.labels);
    return 'failed';
  }
  // The next attempt's number: a late report of the attempt that was let go is stale from now on.
  const requeued = await updateJob(deps.redis, job.id, (j) =>
    unchanged(j) ? { ...j, state: 'queued', attempts: j.attempts + 1, steps: waitingSteps(j) } : undefined,
  );
  if (!requeued?.changed) return undefined;
  logger.warn({ run: run.id, job: job.id, runner: job.runner }, 'job back in its queue: shown queued again');
  return 'requeued';
}

/** Applies `result` as the job's final report, as a runner's would be (once in effect). */
function finishAsServer(deps: RunsDeps, job: JobRecord, result: JobResult): Promise<void> {
  logger.warn({ job: job.id, error: result.error?.message }, 'job failed by the server');
  return applyReports(deps, [
    {
      version: WIRE_VERSION,
      jobId: job.id,
      runner: 'server',
      attempt: Math.max(1, job.attempts),
      event: { version: JOB_EVENT_VERSION, jobId: job.spec.job.id, type: 'job-finished', result },
    },
  ]);
}

function failedResult(job: JobRecord, message: string): JobResult {
  return makeJobResult(job.spec.job, 'failure', {
    allowFailure: job.spec.allowFailure,
    attempts: job.attempts,
    error: { message, category: 'permanent', context: {} },
  });
}

const waitingSteps = (j: JobRecord): JobRecord['steps'] =>
  j.steps.map((s) => ({ name: s.name, status: 'waiting', attempt: 0 }));

/** A started reconciler: a pass at once, then every `everyMs`; `close()` waits for a pass under way. */
export function startReconciler(deps: RunsDeps, everyMs: number): { close(): Promise<void> } {
  let pass: Promise<unknown> = Promise.resolve();
  const run = () => {
    pass = pass
      .then(() => reconcileRuns(deps))
      .then((t) => {
        if (t.requeued + t.failed + t.restored > 0) logger.info(t, 'runs reconciled');
      })
      .catch((err) => logger.warn({ err: (err as Error).message }, 'reconciling runs failed'));
  };
  run();
  const timer = setInterval(run, everyMs);
  return {
    async close() {
      clearInterval(timer);
      await pass;
    },
  };
}
