import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lchown, lstat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { decompressed, normaliseEntryName } from '../../oci/index.js';
import type { ArchiveKind } from '../context/archive.js';

interface LinkHeader {
  parts: string[];
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** The uncompressed bytes of a local archive: gzip/zstd in process, bzip2/xz through their tools. */
function tarBytes(archive: string, kind: ArchiveKind): AsyncIterable<Uint8Array> {
  if (kind !== 'bzip2' && kind !== 'xz')
    return decompressed(createReadStream(archive, { highWaterMark: 1 << 20 }));
  const child = spawn(kind, ['-dc', archive], { stdio: ['ignore', 'pipe', 'ignore'] });
  return child.stdout;
}

async function hardLinkHeaders(archive: string, kind: ArchiveKind): Promise<LinkHeader[]> {
  const out: LinkHeader[] = [];
  const ex = extract();
  const reading = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
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
  await Promise.all([pipeline(Readable.from(tarBytes(archive, kind)), ex), reading]);
  return out;
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
 */
export async function applyHardLinkHeaders(archive: string, kind: ArchiveKind, dir: string): Promise<void> {
  for (const h of await hardLinkHeaders(archive, kind)) {
    const path = await plainFile(dir, h.parts);
    if (!path) continue;
    await lchown(path, h.uid, h.gid);
    await chmod(path, h.mode & 0o7777);
    await utimes(path, h.mtime, h.mtime);
  }
}
