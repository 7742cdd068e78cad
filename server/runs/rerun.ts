import { log } from '../../lib/log.js';
import { FINAL_RUN_STATUSES, getJobs, getRun, type RunRecord } from '../store/index.js';
import { carriedJobs } from './carry.js';
import type { RunsDeps } from './deps.js';
import { startRuns } from './start.js';

const logger = log.child({ module: 'server/runs/rerun' });

/** What a re-run comes to: the new run, or why there is none (`status` is the HTTP answer). */
export type RerunOutcome =
  | { ok: true; run: RunRecord }
  | { ok: false; status: 404 | 409; code: string; message: string };

/**
 * Re-runs a finished run: a new run (a new number, `rerunOf` the old id) of the same pipeline
 * file at the same commit with the same trigger (no delivery id: it is no redelivery). With
 * `failedOnly`, the jobs that succeeded, and needed only jobs that did too, are carried into the
 * new run as `success` (reusedFrom, see carryJobs) and never executed again; the rest run. A run
 * in `error` is planned again from its commit (and errors again if nothing changed there). Each
 * call makes a new run: the caller decides when to re-run.
 */
export async function rerunRun(
  deps: RunsDeps,
  runId: string,
  opts: { failedOnly?: boolean } = {},
): Promise<RerunOutcome> {
  const old = await getRun(deps.redis, runId);
  if (!old) return { ok: false, status: 404, code: 'not_found', message: `no run ${runId}` };
  if (!FINAL_RUN_STATUSES.includes(old.status))
    return {
      ok: false,
      status: 409,
      code: 'run_not_finished',
      message: `run ${old.repo}#${old.number} is ${old.status}: cancel it or wait for its end before re-running it`,
    };
  if (opts.failedOnly && old.status === 'success')
    return {
      ok: false,
      status: 409,
      code: 'nothing_failed',
      message: `run ${old.repo}#${old.number} succeeded: no failed jobs to re-run`,
    };
  const repo = await deps.repos.get(old.repo);
  if (!repo)
    return {
      ok: false,
      status: 404,
      code: 'not_found',
      message: `repository ${old.repo} is no longer registered`,
    };
  const t = old.trigger;
  const carry = opts.failedOnly ? carriedJobs(await getJobs(deps.redis, old.jobs)) : undefined;
  const [run] = await startRuns(deps, repo, {
    event: {
      kind: t.kind,
      ...(t.branch !== undefined ? { branch: t.branch } : {}),
      ...(t.tag !== undefined ? { tag: t.tag } : {}),
      repo: { name: repo.fullName, url: repo.cloneUrl, defaultBranch: repo.defaultBranch },
      commit: t.commit,
      ...(t.changedPaths ? { changedPaths: t.changedPaths } : {}),
      ...(t.pullRequest ? { pullRequest: t.pullRequest } : {}),
    },
    fromFork: t.fromFork,
    // An `error` run that never read its files (commit not fetched) has no file: re-read them all.
    ...(old.file !== '' ? { file: old.file } : {}),
    rerunOf: old.id,
    ...(carry ? { carry } : {}),
  });
  if (!run)
    return {
      ok: false,
      status: 409,
      code: 'not_triggered',
      message: `${old.file} at ${t.commit.sha} no longer plans a run for this trigger`,
    };
  logger.info(
    { run: run.id, rerunOf: old.id, failedOnly: opts.failedOnly === true, carried: carry?.size ?? 0 },
    're-run started',
  );
  return { ok: true, run };
}
