import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { resolveInRoot } from '../../rootfs/index.js';

/** Where runc mounts things in every container (it creates the mount points when missing). */
export const RUNTIME_MOUNT_TARGETS = ['/proc', '/dev', '/sys', '/etc/hosts', '/etc/resolv.conf'];

/**
 * For each target, the shallowest path component missing in `root`: what the container
 * runtime will create to mount over, and what must not end up in the RUN's layer.
 */
export async function missingMountpoints(root: string, targets: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of targets) {
    let current = '/';
    for (const part of posix.normalize(t).split('/').filter(Boolean)) {
      current = posix.join(current, part);
      const host = await resolveInRoot(root, current);
      if (!(await lstat(host).catch(() => undefined))) {
        out.add(host);
        break;
      }
    }
  }
  return [...out];
}

/** Removes `path` when it holds nothing but empty files and empty directories (a leftover mount point). */
async function removeIfHollow(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return true;
  if (st.isFile() && st.size === 0) {
    await unlink(path);
    return true;
  }
  if (!st.isDirectory()) return false;
  let empty = true;
  for (const name of await readdir(path)) if (!(await removeIfHollow(join(path, name)))) empty = false;
  if (empty) await rmdir(path);
  return empty;
}

/** Removes the mount points the runtime created (see missingMountpoints) if still hollow. */
export async function removeMountpoints(paths: string[]): Promise<void> {
  for (const p of [...paths].sort((a, b) => b.length - a.length)) await removeIfHollow(p);
}
