import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { runTool } from '../../lib/proc.js';
import { scrubTree } from '../../lib/scrub-tree.js';
import type { JobSpec } from '../../pipelines/index.js';
import { dataDirPaths } from '../data-dir.js';
import type { Mount } from '../runtime/index.js';
import { formatSize } from './artifacts.js';
import { resolveCacheKey } from './hash-files.js';
import type { CacheEntryName, SharedCache } from './shared-cache.js';

/** The cache of a job, resolved: its key, the bind mounts that put it in the workspace, where it came from. */
export interface JobCache {
  key: string;
  dir: string;
  mounts: Mount[];
  /** The entry the job writes (its own ref), as the shared cache names it. */
  name: CacheEntryName;
  /**
   * Where the job's copy came from when this host had none for its own ref: the default
   * branch's copy (`branch/main`), or the shared cache (`the registry (branch/main)`).
   */
  restoredFrom?: string;
  /** Set when restoring from the shared cache failed (it is logged; the job starts without). */
  sharedError?: string;
}

/**
 * The refs of a job's cache: `own` is the only one it writes (a pull request's is `pr/<n>`, even
 * when its source branch has the default branch's name), `fallback` the default branch's, which
 * it may read when it has none of its own (as GitHub Actions does).
 */
export function cacheRefs(repo: JobSpec['repo']): { own: string; fallback?: string } {
  const fallback = `branch/${repo.defaultBranch ?? 'main'}`;
  const own =
    repo.pullRequest !== undefined
      ? `pr/${repo.pullRequest}`
      : repo.branch !== undefined
        ? `branch/${repo.branch}`
        : repo.tag !== undefined
          ? `tag/${repo.tag}`
          : `commit/${repo.commit}`;
  return own === fallback ? { own } : { own, fallback };
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * Resolves the job's `cache` (key template with `{{ hashFiles … }}` against the checked-out
 * workspace) to a host directory `<dataDir>/cache/<repo>/<ref>/<key>/` and one bind mount per
 * path, placed at `<workspace>/<path>` in every step. The directory persists across jobs and
 * runs of the same repository and ref on this host: restoring is mounting it, saving is what the
 * steps write. When the job's ref has no cache for the key yet, the default branch's is copied
 * into it first (never mounted: what the job writes stays its own). With `shared`, a cache
 * this host lacks is restored from the shared copy (the own ref's, else the default branch's)
 * before it falls back to none. Returns undefined when the job has no cache.
 */
export async function resolveJobCache(
  spec: JobSpec,
  workspaceDir: string,
  dataDir: string,
  shared?: SharedCache,
): Promise<JobCache | undefined> {
  if (!spec.cache) return undefined;
  const key = safeName(await resolveCacheKey(spec.cache.key, workspaceDir));
  const repo = createHash('sha256').update(spec.repo.url).digest('hex').slice(0, 16);
  const refs = cacheRefs(spec.repo);
  const dir = dataDirPaths.jobCache(dataDir, repo, refs.own, key);
  const name = { repo, ref: refs.own, key };
  let restoredFrom: string | undefined;
  let sharedError: string | undefined;
  // This host's copy first, then the shared one: the job's own ref, then the default branch's.
  for (const ref of [refs.own, ...(refs.fallback ? [refs.fallback] : [])]) {
    if (await exists(dir)) break;
    const local = dataDirPaths.jobCache(dataDir, repo, ref, key);
    if (ref !== refs.own && (await exists(local))) {
      await copyCache(local, dir);
      restoredFrom = ref;
      break;
    }
    if (!shared) continue;
    const got = await shared.restore({ repo, ref, key }, dir).catch((err: Error) => {
      sharedError = err.message;
      return undefined;
    });
    if (got) {
      restoredFrom = `the registry (${ref})`;
      break;
    }
  }
  const mounts: Mount[] = [];
  for (const [i, path] of spec.cache.paths.entries()) {
    const source = join(dir, String(i));
    await mkdir(source, { recursive: true });
    mounts.push({ type: 'bind', source, target: posix.join(spec.workspace, path) });
  }
  return {
    key,
    dir,
    mounts,
    name,
    ...(restoredFrom ? { restoredFrom } : {}),
    ...(sharedError ? { sharedError } : {}),
  };
}

/** Copies `from` to `to` (owners, modes, symlinks as links) through a temp dir renamed into place. */
async function copyCache(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(join(to, '..'), { recursive: true });
  try {
    await runTool('cp', ['-a', '--reflink=auto', '--', from, tmp]);
    // a concurrent job of the same ref may have won: then its dir is used and ours dropped
    await rename(tmp, to).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A key as a single safe path segment: no separators, no dot-dot, bounded length. */
function safeName(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 && cleaned.length <= 128
    ? cleaned
    : createHash('sha256').update(key).digest('hex');
}

/** Saves the job's cache as the shared copy, saying so in the job's log; a failure is only said. */
export async function shareJobCache(
  shared: SharedCache,
  cache: JobCache,
  say: (text: string) => void,
): Promise<void> {
  scrubTree(cache.dir); // nothing a step planted may run as root or open a device elsewhere either
  try {
    const saved = await shared.save(cache.name, cache.dir);
    say(
      saved.stored
        ? `cache ${cache.key} shared (${formatSize(saved.bytes)})`
        : `cache ${cache.key} unchanged: the shared copy stays`,
    );
  } catch (err) {
    say(`cache ${cache.key}: could not be shared: ${(err as Error).message}`);
  }
}
