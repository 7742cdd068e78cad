import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, REPORTS_QUEUE, type RunnerReport } from '../../pipelines/index.js';

/** Sends a runner's reports to the servers; see reportSender. */
export interface ReportSender {
  send(report: RunnerReport): Promise<void>;
  close(): Promise<void>;
}

/** The part of a report that names it: the event, and the step and attempt it is about. */
function reportKey(report: RunnerReport): string {
  const e = report.event;
  switch (e.type) {
    case 'job-started':
      return `${e.type}.${e.attempt}`;
    case 'step-started':
      return `${e.type}.${e.step}.${e.attempt}`;
    case 'step-finished':
      return `${e.type}.${e.result.name}.${e.result.attempts}`;
    default:
      return e.type;
  }
}

/**
 * The runner's end of the reports path: each report is a BullMQ job on the reports queue
 * (persisted in Redis before `send` resolves; retried by whichever server applies it). Its job
 * id is the report's identity (job, attempt, event, step), so a report sent twice is kept once.
 * The caller closes it.
 */
export function reportSender(redis: Redis): ReportSender {
  const queue = new Queue(REPORTS_QUEUE, { connection: redis, prefix: KEY_PREFIX });
  return {
    async send(report) {
      const id = `${report.jobId}.${report.attempt}.${reportKey(report)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      await queue.add(report.event.type, report, {
        jobId: id,
        attempts: 20,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    close: () => queue.close(),
  };
}
