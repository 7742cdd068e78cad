import { chmod, lchown, lstat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { normaliseEntryName } from '../../oci/index.js';
import { type ArchiveKind, archiveTarBytes } from '../context/archive.js';

interface LinkHeader {
  parts: string[];
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

async function archiveHeaders(
  archive: string,
  kind: ArchiveKind,
): Promise<{ links: LinkHeader[]; dirs: Set<string> }> {
  const out: LinkHeader[] = [];
  const dirs = new Set<string>();
  // V7 headers (no ustar magic) are archives to Docker too; tar-stream's types omit the option
  const ex = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
  const reading = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      if (h.type === 'directory') {
        const { parts } = normaliseEntryName(h.name);
        if (parts.length > 0) dirs.add(parts.join('/'));
      }
      if (h.type === 'link') {
        const { parts } = normaliseEntryName(h.name);
        if (parts.length > 0)
          out.push({
            parts,
            mode: h.mode ?? 0o644,
            uid: h.uid ?? 0,
            gid: h.gid ?? 0,
            mtime: h.mtime ?? new Date(0),
          });
      }
      entry.resume();
    }
  })();
  await Promise.all([pipeline(Readable.from(archiveTarBytes(archive, kind)), ex), reading]);
  return { links: out, dirs };
}

/** Whether `parts` under `dir` is a regular file reached through real directories only. */
async function plainFile(dir: string, parts: string[]): Promise<string | undefined> {
  let p = dir;
  for (const [i, part] of parts.entries()) {
    p = join(p, part);
    const st = await lstat(p).catch(() => undefined);
    if (!st) return undefined;
    if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile()) return undefined;
  }
  return p;
}

/**
 * After GNU tar extracted `archive` into the private dir `dir`: applies each hard-link
 * entry's own header (owner, mode, mtime) to the linked inode, in archive order, as Docker's
 * archive unpacker does (GNU tar only links). Paths are never followed through symlinks.
 * Returns the archive's directory entries (relative, normalised), to tell them from the
 * directories GNU tar made only to hold other entries.
 */
export async function applyHardLinkHeaders(
  archive: string,
  kind: ArchiveKind,
  dir: string,
): Promise<ReadonlySet<string>> {
  const { links, dirs } = await archiveHeaders(archive, kind);
  for (const h of links) {
    const path = await plainFile(dir, h.parts);
    if (!path) continue;
    await lchown(path, h.uid, h.gid);
    await chmod(path, h.mode & 0o7777);
    await utimes(path, h.mtime, h.mtime);
  }
  return dirs;
}
