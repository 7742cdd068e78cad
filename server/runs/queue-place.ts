import type { Redis } from 'ioredis';
import { jobQueueName, KEY_PREFIX } from '../../pipelines/index.js';
import type { JobRecord } from '../store/index.js';

/** How many recent durations of a queue's jobs are kept for estimates. */
const KEPT = 50;

/** Where a queued job stands in its label queue, and what the queue's recent jobs took. */
export interface QueuePlace {
  /** 1 for the next job a runner of the queue takes. */
  position: number;
  /** The median duration of the queue's last 50 finished jobs, when there are any. */
  medianMs?: number;
}

const durationsKey = (queue: string) => `${KEY_PREFIX}:durations:${queue}`;

/**
 * Remembers how long a job that ran to its end took, for the estimates of jobs queued after it
 * on the same label set (a capped list: the last 50). Call once per job, when it became final.
 */
export async function recordJobDuration(redis: Redis, job: JobRecord): Promise<void> {
  if (job.startedAt === undefined || job.finishedAt === undefined) return;
  if (job.state !== 'success' && job.state !== 'failure') return;
  const key = durationsKey(jobQueueName(job.spec.labels));
  await redis
    .multi()
    .lpush(key, String(job.finishedAt - job.startedAt))
    .ltrim(key, 0, KEPT - 1)
    .exec();
}

/**
 * The place of a queued job in its BullMQ wait list (new jobs go in on the left, runners take
 * from the right), or undefined when it is not waiting there (taken, delayed for a moment).
 */
export async function queuePlace(redis: Redis, job: JobRecord): Promise<QueuePlace | undefined> {
  const queue = jobQueueName(job.spec.labels);
  const wait = `${KEY_PREFIX}:${queue}:wait`;
  const [length, index, durations] = await Promise.all([
    redis.llen(wait),
    redis.lpos(wait, job.id),
    redis.lrange(durationsKey(queue), 0, KEPT - 1),
  ]);
  if (index === null) return undefined;
  const sorted = durations.map(Number).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return { position: length - index, ...(median !== undefined ? { medianMs: median } : {}) };
}
