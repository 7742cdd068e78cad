import { type JobResult, makeJobResult } from './job-result.js';
import type { JobSpec } from './jobspec.js';

/**
 * How often runners and servers look for jobs whose lock expired (their runner was lost): a
 * lost runner's job is taken back within its lock plus two of these (BullMQ marks a job
 * stalled on one check and moves it on the next), while the checks cost one Redis script per
 * queue and checker every 15 s.
 */
export const STALLED_CHECK_MS = 15_000;

/**
 * BullMQ's own stalled-job limit on the label queues, lifted: the job's `retry:` (at most 10)
 * decides how many lost runners it survives. BullMQ's default (1) fails a twice-stalled job
 * before any runner sees it again, so no result would ever be reported.
 */
export const JOB_MAX_STALLED = 1000;

/** The result of a job whose runners were lost `lost` times, more than its `retry:` allows. */
export function runnerLostResult(
  spec: Pick<JobSpec, 'job' | 'retry' | 'allowFailure'>,
  lost: number,
): JobResult {
  const retry = spec.retry;
  return makeJobResult(spec.job, 'failure', {
    allowFailure: spec.allowFailure,
    attempts: lost,
    error: {
      message: `runner lost: the runner running this job stopped (killed, or cut off from Redis) ${lost === 1 ? 'once' : `${lost} times`}, and the job allows ${retry === 0 ? 'no retry' : `${retry} ${retry === 1 ? 'retry' : 'retries'}`} (retry: ${retry})`,
      category: 'permanent',
      context: { runnersLost: String(lost) },
    },
  });
}
