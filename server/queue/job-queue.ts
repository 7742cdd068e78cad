import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  finishedReportId,
  jobQueueName,
  KEY_PREFIX,
  normalizeLabels,
  QUEUE_EVENTS_MAX_LEN,
  type QueuedJob,
  wireKeys,
} from '../../pipelines/index.js';

/**
 * The JobQueue seam: where the server puts jobs for runners. `enqueue` is idempotent (the
 * BullMQ job id is the global job id, so a second enqueue of one job is a no-op), `remove`
 * takes a job that no runner has taken yet off its queue, `cancel` tells the runner running it
 * to stop (a key it polls, plus a pub/sub wake-up). The caller owns the queue and closes it.
 */
export interface JobQueue {
  enqueue(job: QueuedJob): Promise<void>;
  /** True when the job was still waiting and is now gone; false when a runner holds it or it is unknown. */
  remove(jobId: string, labels: readonly string[]): Promise<boolean>;
  cancel(jobId: string): Promise<void>;
  /**
   * Where the job stands on its queue now; undefined when the queue has no such job: lost, or
   * finished (a finished job leaves its queue at once: see finishPending).
   */
  inspect(jobId: string, labels: readonly string[]): Promise<QueueEntry | undefined>;
  /**
   * True when the `job-finished` report of the job's latest attempt is on the report stream,
   * not yet applied: the runner finished the job (it has left its queue) and a server will
   * apply the result shortly. A job missing from its queue without one was lost.
   */
  finishPending(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A job as its queue holds it: `waiting` (for a runner: new, taken back from a lost runner,
 * handed back, or delayed before a retry), `active` (a runner holds its lock), `completed` or
 * `failed` (the runner's processing ended; `failedReason` says why). `stalledCounter` counts
 * the runners lost while holding it.
 */
export interface QueueEntry {
  state: 'waiting' | 'active' | 'completed' | 'failed';
  stalledCounter: number;
  failedReason?: string;
}

/** Retries of a job a runner could not finish for a temporary reason (registry down, runner gone). */
export const JOB_ATTEMPTS = 3;

/** The BullMQ JobQueue: one queue per label set, registered in `wireKeys.labelSets` for runners. */
export function bullJobQueue(redis: Redis): JobQueue {
  const queues = new Map<string, Queue>();
  const queueFor = async (labels: readonly string[]): Promise<Queue> => {
    const name = jobQueueName(labels);
    let q = queues.get(name);
    if (!q) {
      await redis.hset(wireKeys.labelSets, name, JSON.stringify(normalizeLabels(labels)));
      q = new Queue(name, {
        connection: redis,
        prefix: KEY_PREFIX,
        streams: { events: { maxLen: QUEUE_EVENTS_MAX_LEN } },
      });
      queues.set(name, q);
    }
    return q;
  };
  return {
    async enqueue(job) {
      const q = await queueFor(job.spec.labels);
      await q.add(job.spec.job.name, job, {
        jobId: job.jobId,
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: 2_000 },
        // Its runner sent the result (on the report stream) before completing it: nothing here is needed.
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    async remove(jobId, labels) {
      const q = await queueFor(labels);
      const job = await q.getJob(jobId);
      if (!job) return false;
      const state = await job.getState();
      if (
        state !== 'waiting' &&
        state !== 'delayed' &&
        state !== 'prioritized' &&
        state !== 'waiting-children'
      )
        return false;
      return (await q.remove(jobId)) === 1;
    },
    async cancel(jobId) {
      await redis.set(wireKeys.cancel(jobId), '1', 'EX', 24 * 3600);
      await redis.publish(wireKeys.cancelChannel, jobId);
    },
    async inspect(jobId, labels) {
      const q = await queueFor(labels);
      const job = await q.getJob(jobId);
      if (!job) return undefined;
      const state = await job.getState();
      if (state === 'unknown') return undefined;
      return {
        state: state === 'active' || state === 'completed' || state === 'failed' ? state : 'waiting',
        stalledCounter: job.stalledCounter,
        ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      };
    },
    async finishPending(jobId) {
      const attempt = Number((await redis.get(wireKeys.attempts(jobId))) ?? 0);
      if (attempt === 0) return false;
      return (await redis.hexists(wireKeys.reportsPending, finishedReportId(jobId, attempt))) === 1;
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
