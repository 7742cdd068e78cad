/**
 * server/queue — the JobQueue seam (jobs to runners, one BullMQ queue per label set) and the
 * reports path back (runner reports on one BullMQ queue, applied once in effect by a server).
 */
export { bullJobQueue, JOB_ATTEMPTS, type JobQueue, type QueueEntry } from './job-queue.js';
export { consumeReports } from './reports.js';
export { type StalledCheckOptions, type StalledChecks, startStalledChecks } from './stalled-check.js';
