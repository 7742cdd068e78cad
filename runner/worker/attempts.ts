import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { type QueuedJob, wireKeys } from '../../pipelines/index.js';

/** How long a job's attempt counter is kept after its last attempt began. */
const KEPT_S = 8 * 24 * 3600;

/**
 * A new attempt number for a job, each time a runner begins it: its first start, a start after
 * the runner running it was lost (BullMQ gives a stalled job back without counting an attempt),
 * after a hand-back by a draining runner, or a BullMQ retry. Every attempt's reports carry its
 * number, so the server takes a report of an older attempt as stale: a lost runner's late
 * report never lands on the attempt that replaced it.
 */
export async function beginAttempt(redis: Redis, jobId: string): Promise<number> {
  const key = wireKeys.attempts(jobId);
  const [[, n]] = (await redis.multi().incr(key).expire(key, KEPT_S).exec()) as [[null, number]];
  return n;
}

/**
 * How many times the job was taken back from a runner that stopped renewing its lock (killed,
 * or cut off from Redis), when that is more than its `retry:` allows; else undefined.
 */
export function runnersLost(bull: Job, job: QueuedJob): number | undefined {
  return bull.stalledCounter > job.spec.retry ? bull.stalledCounter : undefined;
}
