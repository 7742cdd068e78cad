import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import { getAttribute, listAttributes } from 'fs-xattr';
import { resolveInRoot } from '../../rootfs/index.js';

/** Where runc mounts things in every container (it creates the mount points when missing). */
export const RUNTIME_MOUNT_TARGETS = ['/proc', '/dev', '/sys', '/etc/hosts', '/etc/resolv.conf'];

/**
 * The mount points the runtime will have to create in a RUN's root, found before the run:
 * `created` (host paths in the merged root: the shallowest missing component of each target)
 * and what their existing ancestor directories looked like then (`ancestors`, paths relative to
 * the root, deepest first), so that a directory overlayfs copied up only to hold a mount point
 * can be told apart from one the RUN changed.
 */
export interface RuntimeMountpoints {
  created: string[];
  ancestors: Array<{ rel: string; attrs: string }>;
}

/** Owner, permission bits and content xattrs of a directory: what a layer records beside mtime. */
async function dirAttrs(path: string): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isDirectory()) return undefined;
  const names = (await listAttributes(path)).filter((n) => !n.startsWith('trusted.overlay.')).sort();
  const xattrs = await Promise.all(
    names.map(async (n) => `${n}=${(await getAttribute(path, n)).toString('hex')}`),
  );
  return JSON.stringify([st.uid, st.gid, st.mode & 0o7777, xattrs]);
}

/** The ancestors of a relative path, the root excluded: `a/b/c` → `a/b`, `a`. */
function ancestorsOf(rel: string): string[] {
  const out: string[] = [];
  for (let d = dirname(rel); d !== '.' && d !== '' && !d.startsWith('..'); d = dirname(d)) out.push(d);
  return out;
}

/** See RuntimeMountpoints; `root` is the mounted merged root, `targets` container paths. */
export async function missingMountpoints(root: string, targets: string[]): Promise<RuntimeMountpoints> {
  const created = new Set<string>();
  for (const t of targets) {
    let current = '/';
    for (const part of posix.normalize(t).split('/').filter(Boolean)) {
      current = posix.join(current, part);
      const host = await resolveInRoot(root, current);
      if (!(await lstat(host).catch(() => undefined))) {
        created.add(host);
        break;
      }
    }
  }
  const rels = new Set<string>();
  for (const host of created) for (const rel of ancestorsOf(relative(root, host))) rels.add(rel);
  const ancestors: RuntimeMountpoints['ancestors'] = [];
  for (const rel of [...rels].sort((a, b) => b.length - a.length)) {
    const attrs = await dirAttrs(join(root, rel));
    if (attrs) ancestors.push({ rel, attrs });
  }
  return { created: [...created], ancestors };
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

/** Removes the mount points the runtime created, through the still mounted root, if still hollow. */
export async function removeMountpoints(points: RuntimeMountpoints): Promise<void> {
  for (const p of [...points.created].sort((a, b) => b.length - a.length)) await removeIfHollow(p);
}

/**
 * In the unmounted upper dir of the RUN, after removeMountpoints: removes each ancestor
 * directory that overlayfs copied up only to create a mount point in it — empty in the upper
 * dir, not opaque, and with the owner, mode and xattrs it had before the run — so a RUN that
 * changed nothing gives an empty layer instead of one holding e.g. `etc/` with the time of the
 * run. (A RUN that created and deleted a file there loses only that directory's new mtime.)
 * Deepest first, so a chain of such directories goes; idempotent.
 */
export async function dropCopiedUpAncestors(upper: string, points: RuntimeMountpoints): Promise<void> {
  for (const { rel, attrs } of points.ancestors) {
    const path = join(upper, rel);
    const now = await lstat(path).catch(() => undefined);
    if (!now?.isDirectory() || (await readdir(path)).length > 0) continue;
    const opaque = await getAttribute(path, 'trusted.overlay.opaque').catch(() => undefined);
    if (opaque?.toString() === 'y') continue;
    if ((await dirAttrs(path)) === attrs) await rmdir(path);
  }
}
