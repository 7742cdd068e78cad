import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { JOB_MAX_STALLED, KEY_PREFIX, STALLED_CHECK_MS, wireKeys } from '../../pipelines/index.js';

const logger = log.child({ module: 'server/queue/stalled' });

export interface StalledCheckOptions {
  /** How often each label queue is checked (default STALLED_CHECK_MS). */
  intervalMs?: number;
  /** How often the label sets are re-read to find new queues (default 5 s). */
  discoverMs?: number;
}

/** A started set of checks; `close()` stops them and their connections. */
export interface StalledChecks {
  close(): Promise<void>;
}

/**
 * BullMQ's stalled-job check on every label queue, run by the server as well as by the runners:
 * a job whose every runner died would otherwise stay active, because only a queue's workers run
 * the check. Each queue gets a processor-less Worker (it never takes a job) that moves jobs
 * whose lock expired back to waiting, with the same limit as the runners (JOB_MAX_STALLED).
 * Several servers may run it at once: the check is one atomic script.
 */
export function startStalledChecks(redis: Redis, opts: StalledCheckOptions = {}): StalledChecks {
  const checkers = new Map<string, Worker>();
  const connection = redis.duplicate();
  connection.on('error', () => undefined); // reconnects by itself; the main connection logs
  const discover = async () => {
    for (const queue of await redis.hkeys(wireKeys.labelSets)) {
      if (checkers.has(queue)) continue;
      const checker = new Worker(queue, undefined, {
        connection,
        prefix: KEY_PREFIX,
        autorun: false,
        stalledInterval: opts.intervalMs ?? STALLED_CHECK_MS,
        maxStalledCount: JOB_MAX_STALLED,
      });
      checker.on('error', (err) => logger.warn({ queue, err: err.message }, 'stalled check failed'));
      checker.on('stalled', (jobId) =>
        logger.warn({ queue, job: jobId }, 'runner lost: job back in its queue'),
      );
      checkers.set(queue, checker);
      await checker.startStalledCheckTimer();
    }
  };
  const first = discover().catch((err) => logger.warn({ err: err.message }, 'queue discovery failed'));
  const timer = setInterval(
    () => void discover().catch((err) => logger.warn({ err: err.message }, 'queue discovery failed')),
    opts.discoverMs ?? 5_000,
  );
  return {
    async close() {
      clearInterval(timer);
      await first;
      await Promise.all([...checkers.values()].map((c) => c.close()));
      connection.disconnect();
    },
  };
}
