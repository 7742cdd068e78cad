import {
  type JobResult,
  makeJobResult,
  nextJobs,
  type PlannedJob,
  type RunPlan,
} from '../../pipelines/index.js';
import type { ExecutorEvents } from './events.js';
import type { ExecutorDeps } from './execute-job.js';
import { createExecutor, type Executor } from './executor.js';
import type { WorkspaceSource } from './workspace.js';

/**
 * Runs a planned run locally: jobs layer by layer in DAG order, one at a time, each through
 * `executeJob`. `only` limits the run to the named jobs (by id or name), which then run
 * whatever their needs. Returns every job's result in the order they were decided; jobs whose
 * conditions fail are `skipped`, and once `signal` aborts, every job left is `cancelled`.
 */
export function runPlanLocally(
  plan: RunPlan,
  source: WorkspaceSource,
  deps: ExecutorDeps,
  events: ExecutorEvents,
  opts: { only?: string[]; signal?: AbortSignal } = {},
): Promise<JobResult[]> {
  return runPlan(plan, source, createExecutor(deps), events, opts);
}

/** runPlanLocally over any Executor (the real one or a test's fake). */
export async function runPlan(
  plan: RunPlan,
  source: WorkspaceSource,
  execute: Executor,
  events: ExecutorEvents,
  opts: { only?: string[]; signal?: AbortSignal } = {},
): Promise<JobResult[]> {
  const only = opts.only?.length ? selectJobs(plan, opts.only) : undefined;
  const results = new Map<string, JobResult>();
  for (;;) {
    const next = nextJobs(plan, results, only ? { only } : {});
    // One job at a time, in plan order: the first undecided job is always ready or skipped.
    const job = [...next.ready, ...next.skipped].sort((a, b) => order(plan, a) - order(plan, b))[0];
    if (!job) break;
    if (opts.signal?.aborted || !next.ready.includes(job)) {
      const skipped = makeJobResult(job, opts.signal?.aborted ? 'cancelled' : 'skipped');
      results.set(job.id, skipped);
      events.jobFinished?.(skipped);
      continue;
    }
    results.set(job.id, await execute(job.spec, source, events, opts.signal));
  }
  return [...results.values()];
}

function selectJobs(plan: RunPlan, only: string[]): Set<string> {
  const picked = plan.jobs.filter(
    (j) => only.includes(j.id) || only.includes(j.name) || only.includes(j.job),
  );
  return new Set(picked.map((j) => j.id));
}

/** Layer, then place in the plan: the order nextJobs lists jobs in. */
function order(plan: RunPlan, job: PlannedJob): number {
  return job.layer * plan.jobs.length + plan.jobs.indexOf(job);
}

/** The exit status of a local run: 0 when every job succeeded, was skipped or failed allowably. */
export function runExitCode(results: JobResult[]): number {
  return results.some((r) => (r.status === 'failure' && !r.allowedFailure) || r.status === 'cancelled')
    ? 1
    : 0;
}
