/** The wire contract between server and runner: versioned zod schemas both sides import. */

export * from './job-artifacts.js';
export * from './job-events.js';
export * from './job-result.js';
export * from './jobspec.js';
export * from './log-batch.js';
export { logEntriesFrom, logEntryLast, logEntryRuns, type Run as LogRun } from './log-entry.js';
export * from './report-batch.js';
export { JOB_MAX_STALLED, runnerLostResult, STALLED_CHECK_MS } from './runner-loss.js';
export * from './runner-preference.js';
export * from './wire.js';
