import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { openRegular, readRegularFileSync } from '../../../lib/regular-file.js';
import type { FileDigestCache } from './digest-cache.js';
import type { ResolvedSource } from './sources.js';
import type { ContextEntry } from './walk.js';

/** What COPY/ADD does to ownership and modes: Docker's default owner is 0:0. */
export interface CopyAttributes {
  uid: number;
  gid: number;
  /** --chmod bits, applied to files and directories. */
  chmod: number | undefined;
}

/** Files up to this size are hashed from one synchronous read (no stream per file). */
const SMALL_FILE = 256 * 1024;

async function fileDigest(path: string, size: number): Promise<string> {
  // Regular files only, opened without blocking: a FIFO swapped in after the walk fails fast.
  if (size <= SMALL_FILE)
    return createHash('sha256').update(readRegularFileSync(path, 'COPY source')).digest('hex');
  const h = createHash('sha256');
  const fh = await openRegular(path, 'COPY source');
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false })) h.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * The cache identity of COPY/ADD sources: for every copied object its destination path, type,
 * mode (after --chmod), owner (after --chown), content digest, symlink target and hardlink
 * grouping — never mtime, so an untouched checkout on another host hashes the same.
 * `digests` (optional) supplies digests of files unchanged since an earlier build and learns
 * the new ones. Returns `sha256:<hex>`.
 */
export async function hashSources(
  contextDir: string,
  sources: ResolvedSource[],
  attrs: CopyAttributes,
  digests?: FileDigestCache,
): Promise<string> {
  const h = createHash('sha256');
  const seen = new Map<string, string>();
  const line = async (dest: string, e: ContextEntry | undefined) => {
    const type = e?.type ?? 'dir';
    const mode = attrs.chmod !== undefined && type !== 'symlink' ? attrs.chmod : (e?.mode ?? 0o755);
    let data = '';
    if (e && e.type === 'file') {
      const key = `${e.dev}:${e.ino}`;
      const first = e.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) data = `hardlink:${first}`;
      else {
        if (e.nlink > 1) seen.set(key, dest);
        const known = digests?.get(e);
        data = known ?? (await fileDigest(join(contextDir, e.rel), e.size));
        if (known === undefined) digests?.set(e, data);
      }
    } else if (e?.type === 'symlink') data = `link:${e.linkTarget}`;
    h.update(`${JSON.stringify([dest, type, mode.toString(8), attrs.uid, attrs.gid, data])}\n`);
  };
  for (const s of sources) {
    h.update(`source ${JSON.stringify([s.source, s.name, s.target, s.destMayBeDir])}\n`);
    if (!s.isDir) {
      await line(s.target, s.root);
      continue;
    }
    await line(s.target, s.root);
    const prefix = s.rel === '' ? '' : `${s.rel}/`;
    for (const e of s.entries) await line(posix.join(s.target, e.rel.slice(prefix.length)), e);
  }
  return `sha256:${h.digest('hex')}`;
}
