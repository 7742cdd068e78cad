/**
 * server/store — the server's state: records and key names in Redis, job logs (live streams
 * and their archive).
 */
export { keys } from './keys.js';
export { fileLogArchive, type LogArchive, logArchiveDir, memoryLogArchive } from './log-archive.js';
export { archiveJobLog, readLog } from './logs.js';
export * from './records.js';
