import type { JobResult } from '../spec/index.js';
import type { PlannedJob, RunPlan } from './plan.js';

/** What progress needs of a finished job's result. */
export type JobOutcome = Pick<JobResult, 'status' | 'allowedFailure'>;

/** What can happen next in a run; see nextJobs. Both lists are in the plan's (layer) order. */
export interface Progress {
  /** Jobs with no result whose needs are all decided and whose `when.status` matches: run them. */
  ready: PlannedJob[];
  /** Jobs with no result whose needs are decided and whose `when.status` does not match. */
  skipped: PlannedJob[];
  /** True when every job has a result or is in `skipped`: nothing is left to run or wait for. */
  done: boolean;
}

/**
 * The one rule of "what runs next" in a run, for the local runner and the server alike.
 * Given the plan and the results so far (by job id), says which jobs may start now and which
 * are decided skipped. A job runs when every job it `needs` has a result and its `when.status`
 * matches: `success` when every need succeeded (an allowed failure counts as success),
 * `failure` when one did not (failed, skipped or cancelled), `always` either way. Skips
 * propagate within one answer: a job needing a job in `skipped` is decided from it at once.
 * A matrix job's needs name every variant, so all of them are awaited.
 *
 * Pure and idempotent: it reads only its arguments, and asking again with the same results
 * gives the same answer (a job stays `ready` until its result is recorded; the caller records
 * `skipped` jobs as skipped results and avoids starting a `ready` job twice).
 *
 * `only` (job ids) limits the run to those jobs: they are ready at once, in plan order,
 * whatever their needs and `when.status` (`slipway exec --job`); other jobs are left out.
 */
export function nextJobs(
  plan: Pick<RunPlan, 'jobs'>,
  results: ReadonlyMap<string, JobOutcome>,
  opts: { only?: ReadonlySet<string> } = {},
): Progress {
  const ready: PlannedJob[] = [];
  const skipped: PlannedJob[] = [];
  const decided = new Map<string, boolean>(); // job id → whether it counts as successful
  for (const [id, r] of results) decided.set(id, r.status === 'success' || r.allowedFailure);
  const inPlan = new Set(plan.jobs.map((j) => j.id));
  let waiting = false;
  for (const job of inOrder(plan.jobs)) {
    if (opts.only && !opts.only.has(job.id)) continue;
    if (decided.has(job.id)) continue;
    if (opts.only) {
      ready.push(job);
      waiting = true;
      continue;
    }
    // A need outside the plan never gets a result: it counts as not successful.
    const needs = job.spec.needs.map((id) => decided.get(id) ?? (inPlan.has(id) ? undefined : false));
    if (needs.some((n) => n === undefined)) {
      waiting = true;
      continue;
    }
    const statuses = job.spec.when.status;
    const allSucceeded = needs.every((n) => n === true);
    const runs = statuses.includes('always') || statuses.includes(allSucceeded ? 'success' : 'failure');
    if (runs) {
      ready.push(job);
      waiting = true;
    } else {
      skipped.push(job);
      decided.set(job.id, false);
    }
  }
  return { ready, skipped, done: !waiting };
}

/** The plan's jobs by layer (stable within a layer), so every need comes before its dependents. */
function inOrder(jobs: readonly PlannedJob[]): PlannedJob[] {
  return [...jobs].sort((a, b) => a.layer - b.layer);
}
