import { cp, mkdir, readdir } from 'node:fs/promises';
import { SlipwayError } from '../../lib/errors.js';
import { checkoutCommit } from './git-checkout.js';

/** Where a job's source comes from: a local directory (`slipway exec`) or a git commit. */
export type WorkspaceSource = { kind: 'dir'; path: string } | { kind: 'git'; url: string; commit: string };

/**
 * Fills the empty directory `dest` with the job's source. A local dir is copied (symlinks kept
 * as links, never followed, so nothing outside the source is read); a git source is fetched and
 * checked out at exactly `commit` (detached; see checkoutCommit for credentials). The caller
 * owns `dest` and removes it.
 */
export async function prepareWorkspace(source: WorkspaceSource, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SlipwayError(`workspace ${dest} is not empty`, { category: 'internal' });
  }
  if (source.kind === 'dir') {
    await cp(source.path, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    return;
  }
  await checkoutCommit(source.url, source.commit, dest);
}
