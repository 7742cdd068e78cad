import { cp, mkdir, readdir } from 'node:fs/promises';
import { SlipwayError } from '../../lib/errors.js';
import type { Mount } from '../runtime/index.js';
import { borrowFromMirror } from './git-borrow.js';
import { checkoutCommit } from './git-checkout.js';

/**
 * Where a job's source comes from: a local directory (`slipway exec`), a git commit of a
 * repository URL, or a commit the runner already holds in its bare mirror of the repository
 * (`origin` is the redacted URL recorded as the workspace's remote).
 */
export type WorkspaceSource =
  | { kind: 'dir'; path: string }
  | { kind: 'git'; url: string; commit: string }
  | { kind: 'mirror'; mirror: string; commit: string; origin: string };

/** A filled workspace: what containers seeing it must also mount, and how to make it standalone. */
export interface PreparedWorkspace {
  mounts: Mount[];
  /** Makes the workspace need nothing outside it (a build reads it as its context). Idempotent. */
  selfContained(): Promise<void>;
}

/**
 * Fills the empty directory `dest` with the job's source. A local dir is copied (symlinks kept
 * as links, never followed, so nothing outside the source is read); a git source is fetched and
 * checked out at exactly `commit` (detached; see checkoutCommit for credentials); a mirror
 * source is checked out without a fetch, borrowing the mirror's objects (borrowFromMirror).
 * The caller owns `dest` and removes it.
 */
export async function prepareWorkspace(source: WorkspaceSource, dest: string): Promise<PreparedWorkspace> {
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SlipwayError(`workspace ${dest} is not empty`, { category: 'internal' });
  }
  const standalone: PreparedWorkspace = { mounts: [], selfContained: async () => {} };
  if (source.kind === 'dir') {
    await cp(source.path, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    return standalone;
  }
  if (source.kind === 'git') {
    await checkoutCommit(source.url, source.commit, dest);
    return standalone;
  }
  const borrowed = await borrowFromMirror(source.mirror, source.commit, dest, source.origin);
  let done: Promise<void> | undefined;
  return { mounts: borrowed.mounts, selfContained: () => (done ??= borrowed.selfContained()) };
}
