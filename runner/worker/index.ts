/**
 * runner/worker — what `slipway runner` runs: startRunnerWorker serves every label queue the
 * runner's labels cover (BullMQ workers executing queued JobSpecs with the executor) and sends
 * reports back on the report stream (reportSender). Its log side: `createLogWriter` turns the executor's synchronous log calls into
 * batched, numbered entries of the job's Redis log stream.
 */

export {
  type ArtifactUploader,
  registryArtifactUploader,
  withUploadedArtifacts,
} from './artifact-upload.js';
export { beginAttempt, runnersLost } from './attempts.js';
export { cancelWatcher, LOCK_LOST } from './job-control.js';
export { fetchJobSecrets } from './job-secrets.js';
export { createLogWriter, type LogWriter, type LogWriterOptions } from './log-writer.js';
export { type JobLog, type ProcessDeps, processJob } from './process-job.js';
export { type ReportSender, reportSender } from './reports.js';
export {
  JOB_LOCK_MS,
  type RunnerWorker,
  type RunnerWorkerOptions,
  startRunnerWorker,
} from './runner-worker.js';
