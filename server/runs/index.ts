/**
 * server/runs — the orchestration: an event becomes runs (mirror fetch, pipeline files at the
 * commit, plan), ready jobs are queued, runner reports are applied once in effect and move the
 * run on (nextJobs of pipelines/plan), runs are cancelled and re-run, and every waiting job
 * says why it waits. All state is in Redis; any number of servers may run this side by side.
 */
export { advanceRun, runOutcome } from './advance.js';
export { applyReports } from './apply-report.js';
export { cancelJobs, cancelRun } from './cancel.js';
export { carriedJobs, carryJobs } from './carry.js';
export type { RunsDeps } from './deps.js';
export {
  type EventPipelines,
  eventPipelines,
  type PushedSince,
  touchesPipelines,
} from './event-pipelines.js';
export { reportRunStatus } from './forge-status.js';
export { pendingReason } from './pending.js';
export { pipelineEntries, pipelinesAtCommit } from './pipeline-files.js';
export { pipelineSource } from './pipeline-source.js';
export { type QueuePlace, queuePlace, recordJobDuration } from './queue-place.js';
export { type ReconcileTally, reconcileRuns, startReconciler } from './reconcile.js';
export { type RerunOutcome, rerunRun } from './rerun.js';
export { runnerHeartbeats } from './runners.js';
export { type RunRequest, startRuns, webhookRunRequest } from './start.js';
export { type ManualTrigger, type TriggerOutcome, triggerRuns } from './trigger.js';
