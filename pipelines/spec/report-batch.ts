import { z } from 'zod';
import { type Parsed, parseVersioned } from './versioned.js';
import { parseRunnerReport, type RunnerReport, RunnerReportSchema, WIRE_VERSION } from './wire.js';

/** The most reports one batch holds. */
export const REPORT_BATCH_MAX = 64;

/** How long a runner holds a report that is not a job's last for the next one of that job. */
export const REPORT_LINGER_MS = 25;

/**
 * Several reports of one job's attempt sent as one entry on the report stream, in the order they
 * happened (a runner holds a report up to REPORT_LINGER_MS for the next one: a job's start and
 * its first step's, a last step's end and the job's). The server applies them in that order,
 * in one change of the job's record.
 */
export const RunnerReportBatchSchema = z
  .strictObject({
    version: z.literal(WIRE_VERSION),
    reports: z.array(RunnerReportSchema).min(1).max(REPORT_BATCH_MAX),
  })
  .refine(
    (b) => b.reports.every((r) => r.jobId === b.reports[0]?.jobId && r.attempt === b.reports[0]?.attempt),
    { error: 'a report batch holds one job attempt' },
  );
export type RunnerReportBatch = z.infer<typeof RunnerReportBatchSchema>;

/** What a report stream entry carries, as the reports to apply in order: one report, or a batch. */
export function parseRunnerReports(input: unknown): Parsed<RunnerReport[]> {
  if (input !== null && typeof input === 'object' && 'reports' in input) {
    const batch = parseVersioned(input, {
      what: 'runner report batch',
      reader: 'server',
      version: WIRE_VERSION,
      schema: RunnerReportBatchSchema,
    });
    return batch.ok ? { ok: true, value: batch.value.reports } : batch;
  }
  const one = parseRunnerReport(input);
  return one.ok ? { ok: true, value: [one.value] } : one;
}
