import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { KEY_PREFIX, parseRunnerReports, REPORTS_QUEUE, type RunnerReport } from '../../pipelines/index.js';

const logger = log.child({ module: 'server/queue/reports' });

/**
 * The reliable path from runners to servers: every RunnerReport travels in a BullMQ job on the
 * reports queue (alone or in a RunnerReportBatch of one job's attempt, given to `apply` in
 * order), consumed by whichever server takes it. A server that dies while applying one leaves it
 * stalled, and BullMQ hands it to another (or the same, restarted) server: the handler must be
 * idempotent, and it is (records change by compare-and-set from what they hold). Pub/sub is not
 * used for anything that changes state. Close the returned worker to stop consuming.
 */
export function consumeReports(redis: Redis, apply: (reports: RunnerReport[]) => Promise<void>): Worker {
  const connection = redis.duplicate();
  const worker = new Worker(
    REPORTS_QUEUE,
    async (job) => {
      const parsed = parseRunnerReports(job.data);
      if (!parsed.ok) {
        logger.warn({ error: parsed.error }, 'runner report refused');
        return;
      }
      await apply(parsed.value);
    },
    { connection, prefix: KEY_PREFIX, concurrency: 8, removeOnComplete: { count: 0 } },
  );
  worker.on('failed', (job, err) =>
    logger.warn({ err, report: job?.id }, 'applying a runner report failed; retrying'),
  );
  worker.on('closed', () => connection.disconnect());
  return worker;
}
