import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { log } from '../../../lib/log.js';
import { dataDirPaths } from '../../data-dir.js';
import type { ContextEntry } from './walk.js';

/** [ino, size, mtimeMs, ctimeMs, hashedAt (ms), sha256 hex] of one context file when it was hashed. */
const recordSchema = z.tuple([
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.string().regex(/^[0-9a-f]{64}$/),
]);
const fileSchema = z.object({ version: z.literal(1), files: z.record(z.string(), recordSchema) });
type DigestRecord = z.infer<typeof recordSchema>;

/**
 * A file changed this close (ms) before it was hashed is hashed again next time: a write right
 * after hashing might not have moved a coarse timestamp.
 */
const RACY_MS = 2000;
/** Contexts with more files than this are not remembered (the file would cost more than it saves). */
const MAX_FILES = 500_000;

/**
 * Content digests of a build context's files from earlier builds on this host, keyed by their
 * context-relative path and trusted only while inode, size, mtime and ctime are all unchanged
 * (ctime cannot be set by a user, so a rewrite that restores mtime is still seen), as git's
 * index does. A file changed within a moment before it was hashed is hashed again. It only
 * saves reading files: the cache key of COPY/ADD is still their content digest.
 *
 * Lifecycle: `open` (a missing or unreadable file is an empty cache), `get`/`set` during the
 * build, `save` at the end (atomic rename; the last of concurrent builds wins). The file lives in
 * `<dataDir>/build-cache/file-digests/`, one per context directory; the builder owns it.
 */
export class FileDigestCache {
  private readonly fresh = new Map<string, DigestRecord>();
  private changed = false;

  private constructor(
    private readonly path: string,
    private readonly known: Record<string, DigestRecord>,
  ) {}

  static open(dataDir: string, contextDir: string): FileDigestCache {
    const name = createHash('sha256').update(contextDir).digest('hex').slice(0, 32);
    const path = dataDirPaths.fileDigests(dataDir, name);
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) return new FileDigestCache(path, parsed.data.files);
    } catch {}
    return new FileDigestCache(path, {});
  }

  /** The digest `e` had when last hashed, if nothing about it has changed since. */
  get(e: ContextEntry): string | undefined {
    const r = this.fresh.get(e.rel) ?? this.known[e.rel];
    if (!r || r[0] !== e.ino || r[1] !== e.size || r[2] !== e.mtimeMs || r[3] !== e.ctimeMs) return undefined;
    if (Math.max(e.mtimeMs, e.ctimeMs) >= r[4] - RACY_MS) return undefined;
    return r[5];
  }

  set(e: ContextEntry, digest: string): void {
    this.fresh.set(e.rel, [e.ino, e.size, e.mtimeMs, e.ctimeMs, Date.now(), digest]);
    this.changed = true;
  }

  /** Writes what this build hashed over what was known; never throws (the cache is optional). */
  save(): void {
    if (!this.changed) return;
    const files = { ...this.known, ...Object.fromEntries(this.fresh) };
    if (Object.keys(files).length > MAX_FILES) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: 1, files }));
      renameSync(tmp, this.path);
    } catch (err) {
      log.warn({ err, file: this.path }, 'could not save the context digest cache');
    }
  }
}
