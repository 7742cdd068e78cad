import type { Redis } from 'ioredis';
import { execAll } from '../../lib/redis.js';
import { finishedReportId, type RunnerReport, WIRE_VERSION, wireKeys } from '../../pipelines/index.js';

/** Sends a runner's reports to the servers; see reportSender. */
export interface ReportSender {
  /** Sends reports of one job attempt, in order, as one stream entry (a batch when several). */
  send(reports: readonly RunnerReport[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The runner's end of the reports path: each send is one entry on `wireKeys.reportStream`
 * (persisted in Redis before `send` resolves), holding one report or a RunnerReportBatch; a
 * server of the REPORTS_GROUP consumer group applies it and only then acknowledges it (see
 * server/queue reports.ts). A `job-finished` report also marks its attempt's result as on its
 * way (`wireKeys.reportsPending`, in the same transaction), so the server's reconciler does not
 * queue that job again meanwhile. A report sent twice is applied twice, which changes nothing.
 * Nothing to close: it uses the caller's connection.
 */
export function reportSender(redis: Redis): ReportSender {
  return {
    async send(reports) {
      const last = reports.at(-1);
      if (!last) return;
      const data = reports.length === 1 ? last : { version: WIRE_VERSION, reports };
      const tx = redis.multi().xadd(wireKeys.reportStream, '*', 'r', JSON.stringify(data));
      for (const r of reports)
        if (r.event.type === 'job-finished')
          tx.hset(wireKeys.reportsPending, finishedReportId(r.jobId, r.attempt), '1');
      await execAll(tx);
    },
    close: async () => {},
  };
}
