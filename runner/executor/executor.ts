import type { JobResult, JobSpec } from '../../pipelines/index.js';
import type { ExecutorEvents } from './events.js';
import { type ExecutorDeps, executeJob } from './execute-job.js';
import type { WorkspaceSource } from './workspace.js';

/**
 * The executor seam: runs one JobSpec over a workspace source to its JobResult, reporting
 * progress through `events` (jobStarted per attempt, then for each step stepStarted, its log
 * lines, stepFinished; jobFinished once, last). Never throws for a job's failure: a non-zero
 * step is `failure` with the step's exit code, a setup error is `failure` with `error`, an
 * aborted `signal` gives `cancelled`. The worker and runPlanLocally depend only on this type,
 * so tests can run a scripted fake (test/helpers/fake-executor.ts) without root.
 */
export type Executor = (
  spec: JobSpec,
  source: WorkspaceSource,
  events: ExecutorEvents,
  signal?: AbortSignal,
) => Promise<JobResult>;

/** The real executor (runc containers on this host): executeJob with its deps bound. */
export function createExecutor(deps: ExecutorDeps): Executor {
  return (spec, source, events, signal) => executeJob(spec, source, deps, events, signal);
}
