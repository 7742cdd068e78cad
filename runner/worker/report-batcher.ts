import { REPORT_BATCH_MAX, REPORT_LINGER_MS, type RunnerReport } from '../../pipelines/index.js';
import type { ReportSender } from './reports.js';

/**
 * One job attempt's reports on their way out, in order, in fewer queue jobs than reports: a
 * report waits up to `lingerMs` for the ones after it (a job's start and its first step's come
 * tens of ms apart; so do a last step's end and the job's), and all that waited go as one send.
 * A `job-finished` report goes at once, with what waits before it. Sends run one after another.
 * Each call resolves once its report is in Redis, or rejects with its send's error (later sends
 * still go). Nothing to close: a waiting report is sent when its time is up.
 */
export function reportBatcher(
  sender: ReportSender,
  lingerMs = REPORT_LINGER_MS,
): (report: RunnerReport) => Promise<void> {
  const pending: Array<{ report: RunnerReport; sent: (err?: unknown) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending.splice(0, REPORT_BATCH_MAX);
    if (batch.length === 0) return;
    sending = sending.then(() =>
      sender.send(batch.map((p) => p.report)).then(
        () => {
          for (const p of batch) p.sent();
        },
        (err) => {
          for (const p of batch) p.sent(err);
        },
      ),
    );
    if (pending.length) flush();
  };
  return (report) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ report, sent: (err) => (err === undefined ? resolve() : reject(err)) });
      if (report.event.type === 'job-finished' || pending.length >= REPORT_BATCH_MAX) flush();
      else timer ??= setTimeout(flush, lingerMs);
    });
}
