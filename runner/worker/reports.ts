import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  KEY_PREFIX,
  QUEUE_EVENTS_MAX_LEN,
  REPORTS_QUEUE,
  type RunnerReport,
  reportJobId,
} from '../../pipelines/index.js';

/** Sends a runner's reports to the servers; see reportSender. */
export interface ReportSender {
  send(report: RunnerReport): Promise<void>;
  close(): Promise<void>;
}

/**
 * The runner's end of the reports path: each report is a BullMQ job on the reports queue
 * (persisted in Redis before `send` resolves; retried by whichever server applies it). Its job
 * id is the report's identity (reportJobId: job, attempt, event, step), so a report sent twice
 * while the first waits is kept once; an applied report is removed at once.
 * The caller closes it.
 */
export function reportSender(redis: Redis): ReportSender {
  const queue = new Queue(REPORTS_QUEUE, {
    connection: redis,
    prefix: KEY_PREFIX,
    streams: { events: { maxLen: QUEUE_EVENTS_MAX_LEN } },
  });
  return {
    async send(report) {
      await queue.add(report.event.type, report, {
        jobId: reportJobId(report),
        attempts: 20,
        backoff: { type: 'exponential', delay: 500 },
        // Applied is done: the record holds the effect, and applying is idempotent anyway.
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    close: () => queue.close(),
  };
}
