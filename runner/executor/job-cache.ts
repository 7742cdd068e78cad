import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { JobSpec } from '../../pipelines/index.js';
import { dataDirPaths } from '../data-dir.js';
import type { Mount } from '../runtime/index.js';
import { resolveCacheKey } from './hash-files.js';

/** The cache of a job, resolved: its key and the bind mounts that put it in the workspace. */
export interface JobCache {
  key: string;
  dir: string;
  mounts: Mount[];
}

/**
 * Resolves the job's `cache` (key template with `{{ hashFiles … }}` against the checked-out
 * workspace) to a host directory `<dataDir>/cache/<repo>/<key>/` and one bind mount per path,
 * placed at `<workspace>/<path>` in every step. The directory persists across jobs and runs of
 * the same repository on this host: restoring is mounting it, saving is what the steps write.
 * Jobs sharing a key share the directory (like a shared GitLab cache). Returns undefined when
 * the job has no cache.
 */
export async function resolveJobCache(
  spec: JobSpec,
  workspaceDir: string,
  dataDir: string,
): Promise<JobCache | undefined> {
  if (!spec.cache) return undefined;
  const key = safeName(await resolveCacheKey(spec.cache.key, workspaceDir));
  const repo = createHash('sha256').update(spec.repo.url).digest('hex').slice(0, 16);
  const dir = dataDirPaths.jobCache(dataDir, repo, key);
  const mounts: Mount[] = [];
  for (const [i, path] of spec.cache.paths.entries()) {
    const source = join(dir, String(i));
    await mkdir(source, { recursive: true });
    mounts.push({ type: 'bind', source, target: posix.join(spec.workspace, path) });
  }
  return { key, dir, mounts };
}

/** A key as a single safe path segment: no separators, no dot-dot, bounded length. */
function safeName(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 && cleaned.length <= 128
    ? cleaned
    : createHash('sha256').update(key).digest('hex');
}
