import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { FULL_COMMIT_SHA, sandboxedGit } from '../../lib/git.js';
import { objectReader } from '../../lib/git-objects.js';
import { log } from '../../lib/log.js';
import type { Mount } from '../runtime/index.js';
import { detachedCheckout } from './git-checkout.js';
import { initWorkspaceRepo } from './git-init.js';
import { writeTreeCheckout } from './tree-checkout.js';

/** A workspace whose git objects are borrowed from the runner's mirror of its repository. */
export interface BorrowedCheckout {
  /** The mirror's object store, read-only at its own path, so `git` in a step finds the objects. */
  mounts: Mount[];
  /** Copies the objects the workspace uses into it and stops borrowing (before a build reads it). */
  selfContained(): Promise<void>;
}

/** What every container seeing a workspace borrowed from `mirror` mounts: its objects, read-only at their own path. */
export function borrowedMounts(mirror: string): Mount[] {
  const objects = join(mirror, 'objects');
  return [{ type: 'bind', source: objects, target: objects, readonly: true }];
}

/**
 * Checks out exactly `commit` into the empty dir `dest` from the bare mirror `mirror` (which
 * must hold it; see mirrorCommit), without fetching: the workspace's repository borrows the
 * mirror's objects (git alternates) and is shallow at `commit`, so `git` in a step sees what a
 * depth-1 clone shows. `origin` (a redacted URL) is recorded as the remote. Nothing is written
 * to the mirror. A commit the mirror lacks is a permanent error naming `origin` and the commit.
 * The caller owns `dest` and mounts `mounts` into every container that sees the workspace.
 */
export async function borrowFromMirror(
  mirror: string,
  commit: string,
  dest: string,
  origin: string,
): Promise<BorrowedCheckout> {
  const fail = (why: string) =>
    new SlipwayError(`could not check out commit ${commit} of ${origin}: ${why}`, {
      category: 'permanent',
      context: { repo: origin, commit },
    });
  if (!FULL_COMMIT_SHA.test(commit)) throw fail('not a full commit sha');
  const started = Date.now();
  const objects = join(mirror, 'objects');
  const git = sandboxedGit(dest);
  await initWorkspaceRepo(dest, origin, commit);
  await writeFile(join(dest, '.git', 'objects', 'info', 'alternates'), `${objects}\n`);
  await writeFile(join(dest, '.git', 'shallow'), `${commit}\n`);
  // Written from the mirror's object reader when it can be; otherwise (or to name git's error) git.
  if (!(await writeTreeCheckout(objectReader(mirror), commit, dest)))
    await detachedCheckout(git, commit, () => fail('no such commit in the repository'));
  log.debug({ repo: origin, commit, ms: Date.now() - started }, 'workspace checked out from the mirror');
  return {
    mounts: borrowedMounts(mirror),
    async selfContained() {
      // `-a` without `-l` packs the borrowed objects HEAD reaches (one commit: it is shallow).
      await git.raw(['repack', '-a', '-d', '-q']);
      await rm(join(dest, '.git', 'objects', 'info', 'alternates'), { force: true });
    },
  };
}
