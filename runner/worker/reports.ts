import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  KEY_PREFIX,
  QUEUE_EVENTS_MAX_LEN,
  REPORTS_QUEUE,
  type RunnerReport,
  reportBatchId,
  WIRE_VERSION,
} from '../../pipelines/index.js';

/** Sends a runner's reports to the servers; see reportSender. */
export interface ReportSender {
  /** Sends reports of one job attempt, in order, as one queue job (a batch when several). */
  send(reports: readonly RunnerReport[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The runner's end of the reports path: each send is a BullMQ job on the reports queue
 * (persisted in Redis before `send` resolves; retried by whichever server applies it), holding
 * one report or a RunnerReportBatch. Its job id is its last report's identity (reportBatchId:
 * job, attempt, event, step), so a report sent twice while the first waits is kept once; an
 * applied report is removed at once. The caller closes it.
 */
export function reportSender(redis: Redis): ReportSender {
  const queue = new Queue(REPORTS_QUEUE, {
    connection: redis,
    prefix: KEY_PREFIX,
    streams: { events: { maxLen: QUEUE_EVENTS_MAX_LEN } },
  });
  return {
    async send(reports) {
      const last = reports.at(-1);
      if (!last) return;
      const one = reports.length === 1;
      const data = one ? last : { version: WIRE_VERSION, reports };
      await queue.add(one ? last.event.type : `batch.${last.event.type}`, data, {
        jobId: reportBatchId(reports),
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
