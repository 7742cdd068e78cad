import type { PlannedJob, RunPlan } from '../../pipelines/plan/plan.js';
import { JOBRESULT_VERSION } from '../../pipelines/spec/index.js';
import type { ExecutorEvents, JobResult } from './events.js';
import { type ExecutorDeps, executeJob } from './execute-job.js';
import type { WorkspaceSource } from './workspace.js';

/**
 * Whether a job runs given the results of the jobs it needs: `success` when every need
 * succeeded (an allowed failure counts as success), `failure` when one failed, `always` either
 * way. A need that did not run (skipped or cancelled) counts as not successful.
 */
export function jobShouldRun(job: PlannedJob, results: Map<string, JobResult>): boolean {
  const statuses = job.spec.when.status;
  if (statuses.includes('always')) return true;
  const needs = job.spec.needs.map((id) => results.get(id));
  const anyFailed = needs.some((r) => !r || (r.status !== 'success' && !r.allowedFailure));
  return anyFailed ? statuses.includes('failure') : statuses.includes('success');
}

/**
 * Runs a planned run locally: jobs layer by layer in DAG order, one at a time, each through
 * `executeJob`. `only` limits the run to the named jobs (by id or name). Returns every job's
 * result in the order they were decided; jobs whose conditions fail are `skipped`.
 */
export async function runPlanLocally(
  plan: RunPlan,
  source: WorkspaceSource,
  deps: ExecutorDeps,
  events: ExecutorEvents,
  opts: { only?: string[]; signal?: AbortSignal } = {},
): Promise<JobResult[]> {
  const byId = new Map(plan.jobs.map((j) => [j.id, j]));
  const results = new Map<string, JobResult>();
  const selected = (j: PlannedJob) =>
    !opts.only?.length || opts.only.includes(j.id) || opts.only.includes(j.name) || opts.only.includes(j.job);
  for (const layer of plan.layers) {
    for (const id of layer) {
      const job = byId.get(id);
      if (!job || !selected(job)) continue;
      const runnable = opts.only?.length ? true : jobShouldRun(job, results);
      if (!runnable || opts.signal?.aborted) {
        const skipped: JobResult = {
          version: JOBRESULT_VERSION,
          jobId: job.id,
          name: job.name,
          status: opts.signal?.aborted ? 'cancelled' : 'skipped',
          allowedFailure: false,
          attempts: 0,
          steps: [],
          durationMs: 0,
          artifacts: [],
        };
        results.set(id, skipped);
        events.jobFinished?.(skipped);
        continue;
      }
      results.set(id, await executeJob(job.spec, source, deps, events, opts.signal));
    }
  }
  return [...results.values()];
}

/** The exit status of a local run: 0 when every job succeeded, was skipped or failed allowably. */
export function runExitCode(results: JobResult[]): number {
  return results.some((r) => (r.status === 'failure' && !r.allowedFailure) || r.status === 'cancelled')
    ? 1
    : 0;
}
