import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { SlipwayError } from '../../lib/errors.js';
import { FULL_COMMIT_SHA, redactMessage, redactUrl, sandboxedGit } from '../../lib/git.js';
import { log } from '../../lib/log.js';
import { initWorkspaceRepo } from './git-init.js';

/**
 * Checks out exactly `commit` (a full sha) of the repository at `url` into the empty dir `dest`
 * (detached HEAD). Fetches only that commit when the server allows it, else every branch.
 * Credentials in `url` are used for the fetch but never written: the workspace's `origin` and
 * every message carry the redacted URL. A missing commit is a permanent error naming the
 * repository and commit; a failed fetch a temporary one. The caller owns `dest`.
 */
export async function checkoutCommit(url: string, commit: string, dest: string): Promise<void> {
  const shown = redactUrl(url);
  // No `cause`: git's own message may hold the URL's credentials, and errors get logged.
  const fail = (why: string, category: 'permanent' | 'temporary') =>
    new SlipwayError(`could not check out commit ${commit} of ${shown}: ${why}`, {
      category,
      context: { repo: shown, commit },
    });
  if (!FULL_COMMIT_SHA.test(commit)) throw fail('not a full commit sha', 'permanent');
  if (url.startsWith('-') || url.trim() === '') throw fail('not a repository URL', 'permanent');
  const started = Date.now();
  const git = sandboxedGit(dest);
  // The remote is only recorded (for users' `git` in steps); the fetch names the URL itself.
  await initWorkspaceRepo(dest, shown, commit);
  try {
    await git
      .fetch([url, '--depth=1', '--no-tags', commit])
      .catch(() => git.fetch([url, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']));
  } catch (err) {
    throw fail(redactMessage((err as Error).message, url), 'temporary');
  }
  await detachedCheckout(git, commit, () => fail('no such commit in the repository', 'permanent'));
  await rm(join(dest, '.git', 'FETCH_HEAD'), { force: true });
  log.debug({ url: shown, commit, ms: Date.now() - started }, 'workspace cloned');
}

/**
 * `git checkout --detach commit` in the repository `git` works in; when that fails because the
 * repository lacks the commit, the error `missing()` makes is thrown instead of git's.
 */
export async function detachedCheckout(git: SimpleGit, commit: string, missing: () => Error): Promise<void> {
  try {
    await git.checkout(['--detach', commit]);
  } catch (err) {
    const found = await git.catFile(['-e', `${commit}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (!found) throw missing();
    throw err;
  }
}
