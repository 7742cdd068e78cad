import { SlipwayError } from '../../lib/errors.js';
import { branchHead, commitSubject, mirrorCommit, redactUrl } from '../../lib/git.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import type { Repo, RunRecord } from '../store/index.js';
import type { RunsDeps } from './deps.js';
import { startRuns } from './start.js';

/** A manual start: a branch (its head now), a commit, or both; `by` names who asked (an API token's name). */
export interface ManualTrigger {
  branch?: string;
  commit?: string;
  by: string;
}

/** The runs a manual trigger started, or why it could not (`status` is the HTTP answer). */
export type TriggerOutcome =
  | { ok: true; runs: RunRecord[]; commit: string }
  | { ok: false; status: 404 | 502; code: string; message: string };

/**
 * Starts the runs of a manual event (kind `manual`): the commit is `commit`, else the head of
 * `branch` (default: the repository's default branch when neither is given) read from the
 * registered clone URL. The commit is fetched into the server's mirror first, so an unknown
 * branch or commit is answered (404) before any run is made; its subject becomes the message,
 * the author `manual trigger by <by>`. Each call starts new runs (no deduplication).
 */
export async function triggerRuns(deps: RunsDeps, repo: Repo, t: ManualTrigger): Promise<TriggerOutcome> {
  const mirror = dataDirPaths.serverMirror(deps.dataDir, repo.fullName);
  const branch = t.branch ?? (t.commit === undefined ? repo.defaultBranch : undefined);
  const remote = redactUrl(repo.cloneUrl);
  const unreachable = (err: unknown): TriggerOutcome => {
    if (err instanceof SlipwayError && err.temporary)
      return { ok: false, status: 502, code: 'fetch_failed', message: err.message };
    throw err;
  };
  let sha = t.commit;
  if (sha === undefined && branch !== undefined) {
    try {
      sha = await branchHead(mirror, repo.cloneUrl, branch);
    } catch (err) {
      return unreachable(err);
    }
    if (sha === undefined)
      return {
        ok: false,
        status: 404,
        code: 'unknown_branch',
        message: `repository ${repo.fullName} has no branch ${JSON.stringify(branch)} at ${remote}`,
      };
  }
  if (sha === undefined) throw new SlipwayError('a manual trigger needs a branch or a commit');
  try {
    await mirrorCommit(mirror, repo.cloneUrl, sha);
  } catch (err) {
    if (err instanceof SlipwayError && !err.temporary)
      return { ok: false, status: 404, code: 'unknown_commit', message: err.message };
    return unreachable(err);
  }
  const runs = await startRuns(deps, repo, {
    event: {
      kind: 'manual',
      ...(branch !== undefined ? { branch } : {}),
      repo: { name: repo.fullName, url: repo.cloneUrl, defaultBranch: repo.defaultBranch },
      commit: { sha, message: await commitSubject(mirror, sha), author: `manual trigger by ${t.by}` },
    },
    fromFork: false,
  });
  return { ok: true, runs, commit: sha };
}
