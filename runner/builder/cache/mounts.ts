import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type FileLock, lockFile } from '../../../lib/file-lock.js';
import { dataDirPaths } from '../../data-dir.js';
import type { Mount } from '../dockerfile/model.js';
import type { BuildWorkspace } from '../engine/workspace.js';

type CacheMount = Extract<Mount, { type: 'cache' }>;

/** The cache dirs one RUN uses, by cache id, and the locks it holds on them. */
export interface CacheMountSet {
  dirs: Map<string, string>;
  /** Drops the locks (after the RUN). Idempotent. */
  release(): Promise<void>;
}

async function makeDir(dir: string, m: CacheMount): Promise<void> {
  // mkdir without `recursive` fails on an existing dir: only its creator sets the owner and mode
  await mkdir(join(dir, '..'), { recursive: true });
  const created = await mkdir(dir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw err;
    },
  );
  if (created) {
    await chmod(dir, m.mode);
    await chown(dir, m.uid, m.gid);
  }
}

/**
 * Picks and locks the host dirs of a RUN's cache mounts, `<dataDir>/build-cache-mounts/<scope>/<id>`:
 * only builds of one cache scope (a repository) see each other's dirs. Each cache id has a lock file
 * `<dir>.lock` (flock, so it holds across concurrent builds and processes):
 * - `shared`: a shared lock — any number of shared users at once; waits while a `locked` or
 *   `private` one has the dir;
 * - `locked`: an exclusive lock, waited for: one RUN at a time uses the dir;
 * - `private`: the exclusive lock if it is free right now, else a fresh empty dir in the
 *   build's scratch space (removed with it), never seen by anyone else.
 * Mounts of one id in one RUN share a dir (the strictest sharing wins); ids are locked in a
 * fixed order so two RUNs never wait on each other. On error, locks taken so far are released.
 */
export async function acquireCacheMounts(
  dataDir: string,
  scope: string,
  ws: BuildWorkspace,
  mounts: CacheMount[],
  signal?: AbortSignal,
): Promise<CacheMountSet> {
  const byId = new Map<string, CacheMount[]>();
  for (const m of mounts) byId.set(m.id, [...(byId.get(m.id) ?? []), m]);
  const held: FileLock[] = [];
  const dirs = new Map<string, string>();
  const release = async () => {
    for (const l of held.splice(0)) await l.release();
  };
  const ordered = [...byId].map(([id, ms]) => ({
    id,
    ms,
    dir: dataDirPaths.buildCacheMount(dataDir, scope, id),
  }));
  ordered.sort((a, b) => (a.dir < b.dir ? -1 : 1));
  try {
    for (const { id, ms, dir } of ordered) {
      const first = ms[0]!;
      const sharing = ms.some((m) => m.sharing === 'locked')
        ? 'locked'
        : ms.some((m) => m.sharing === 'shared')
          ? 'shared'
          : 'private';
      await makeDir(dir, first);
      const lock = await lockFile(`${dir}.lock`, {
        mode: sharing === 'shared' ? 'shared' : 'exclusive',
        wait: sharing !== 'private',
        signal,
      });
      if (lock) {
        held.push(lock);
        dirs.set(id, dir);
      } else {
        const fresh = join(await ws.tempDir('cache-private'), 'dir');
        await makeDir(fresh, first);
        dirs.set(id, fresh);
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { dirs, release };
}
