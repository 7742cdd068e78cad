import { cp, mkdir, readdir } from 'node:fs/promises';
import { SlipwayError } from '../../lib/errors.js';
import type { Mount } from '../runtime/index.js';
import { borrowedMounts, borrowFromMirror } from './git-borrow.js';
import { checkoutCommit } from './git-checkout.js';

/**
 * Where a job's source comes from: a local directory (`slipway exec`), a git commit of a
 * repository URL, or a commit in the runner's bare mirror of the repository (`origin` is the
 * redacted URL recorded as the workspace's remote; `fetched`, when given, settles once the
 * mirror holds the commit, and its rejection is the checkout's error).
 */
export type WorkspaceSource =
  | { kind: 'dir'; path: string }
  | { kind: 'git'; url: string; commit: string }
  | { kind: 'mirror'; mirror: string; commit: string; origin: string; fetched?: Promise<unknown> };

/** A filled workspace: how to make it standalone (its mounts are workspaceMounts'). */
export interface PreparedWorkspace {
  /** Makes the workspace need nothing outside it (a build reads it as its context). Idempotent. */
  selfContained(): Promise<void>;
}

/** The mounts a workspace filled from `source` needs (prepareWorkspace returns the same), known before it is filled. */
export function workspaceMounts(source: WorkspaceSource): Mount[] {
  return source.kind === 'mirror' ? borrowedMounts(source.mirror) : [];
}

/**
 * Fills the empty directory `dest` with the job's source. A local dir is copied (symlinks kept
 * as links, never followed, so nothing outside the source is read); a git source is fetched and
 * checked out at exactly `commit` (detached; see checkoutCommit for credentials); a mirror
 * source is checked out without a fetch, borrowing the mirror's objects (borrowFromMirror).
 * The caller owns `dest` and removes it; containers that see it mount workspaceMounts(source).
 */
export async function prepareWorkspace(source: WorkspaceSource, dest: string): Promise<PreparedWorkspace> {
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SlipwayError(`workspace ${dest} is not empty`, { category: 'internal' });
  }
  const standalone: PreparedWorkspace = { selfContained: async () => {} };
  if (source.kind === 'dir') {
    await cp(source.path, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    return standalone;
  }
  if (source.kind === 'git') {
    await checkoutCommit(source.url, source.commit, dest);
    return standalone;
  }
  await source.fetched;
  const borrowed = await borrowFromMirror(source.mirror, source.commit, dest, source.origin);
  let done: Promise<void> | undefined;
  return { selfContained: () => (done ??= borrowed.selfContained()) };
}
