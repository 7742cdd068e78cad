import { constants } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../../lib/errors.js';
import type { ContentStore, Digest } from '../types.js';
import { DigestCounter, digestHex } from './digest.js';
import { tmpName } from './tmpnames.js';

/**
 * ContentStore on a local directory: blobs live at `<dataDir>/blobs/sha256/<hex>`. A write
 * streams into `<dataDir>/tmp/blob-<pid>-<rand>` (same filesystem) while hashing, is checked
 * against the expected digest and size, and only then renamed into place, so a blob path
 * either does not exist or holds verified content. No fsync: a crash can lose a recent blob
 * but never expose a partial one under its digest. Safe for concurrent writers in one or
 * many processes (identical content, last rename wins).
 */
export class FileContentStore implements ContentStore {
  readonly blobDir: string;
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    this.blobDir = join(dataDir, 'blobs', 'sha256');
    this.tmpDir = join(dataDir, 'tmp');
  }

  /** Creates the directories; idempotent. */
  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  private pathOf(digest: Digest): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async blobPath(digest: Digest): Promise<string> {
    const p = this.pathOf(digest);
    if (!(await this.has(digest)))
      throw new SlipwayError(`blob ${digest} is not in the content store`, { context: { digest } });
    return p;
  }

  async read(digest: Digest): Promise<Buffer> {
    return readFile(await this.blobPath(digest));
  }

  /** Marks a blob as recently used (its mtime), which the size budget's LRU order reads. */
  async touch(digest: Digest): Promise<void> {
    const now = new Date();
    await utimes(this.pathOf(digest), now, now).catch(() => {});
  }

  /**
   * Chunks of an iterable `source` are hashed as they arrive and written in large batches
   * (one write in flight while the next batch fills), so they must not be modified after
   * they are yielded. When `expected.digest` is already stored this returns at once without
   * reading `source` (an async iterator's `return()` is called so a network body is released).
   */
  async write(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    expected: { digest?: Digest; size?: number } = {},
  ): Promise<{ digest: Digest; size: number }> {
    if (expected.digest !== undefined && (await this.has(expected.digest))) {
      const size = (await stat(this.pathOf(expected.digest))).size;
      if (expected.size === undefined || expected.size === size) {
        if (!(source instanceof Uint8Array)) await source[Symbol.asyncIterator]().return?.();
        return { digest: expected.digest, size };
      }
    }
    if (expected.digest !== undefined) digestHex(expected.digest);
    const tmp = join(this.tmpDir, tmpName('blob'));
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    const counter = new DigestCounter();
    let renamed = false;
    try {
      await writeHashing(fh, source instanceof Uint8Array ? [source] : source, counter, expected.size);
      await fh.close();
      const digest = counter.digest();
      if (expected.size !== undefined && counter.size !== expected.size)
        throw new SlipwayError(
          `blob ${expected.digest ?? digest}: size mismatch (expected ${expected.size} bytes, got ${counter.size}${counter.size > expected.size ? '+' : ''})`,
          { context: { digest: expected.digest ?? digest, expectedSize: expected.size, size: counter.size } },
        );
      if (expected.digest !== undefined && digest !== expected.digest)
        throw new SlipwayError(`blob digest mismatch: expected ${expected.digest}, content is ${digest}`, {
          context: { digest: expected.digest, actual: digest },
        });
      await rename(tmp, this.pathOf(digest));
      renamed = true;
      return { digest, size: counter.size };
    } finally {
      if (!renamed) {
        await fh.close().catch(() => {});
        await unlink(tmp).catch(() => {});
      }
    }
  }

  /** Idempotent: deleting an absent blob is not an error. */
  async delete(digest: Digest): Promise<void> {
    await unlink(this.pathOf(digest)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async list(): Promise<Array<{ digest: Digest; size: number }>> {
    return (await this.listWithTimes()).map(({ digest, size }) => ({ digest, size }));
  }

  /** Like list(), with each blob's last-use time (mtime) for GC and LRU. */
  async listWithTimes(): Promise<Array<{ digest: Digest; size: number; usedAt: number }>> {
    const out: Array<{ digest: Digest; size: number; usedAt: number }> = [];
    for (const name of await readdir(this.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const st = await stat(join(this.blobDir, name)).catch(() => undefined);
      if (st) out.push({ digest: `sha256:${name}`, size: st.size, usedAt: st.mtimeMs });
    }
    return out;
  }
}

/** Bytes gathered before one writev: few syscalls, and the disk works while the network fills the next. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Hashes every chunk of `source` into `counter` and writes it to `fh` in one pass, without
 * copying: chunks are batched into a writev of up to WRITE_BATCH_BYTES with at most one
 * write in flight. Stops reading (releasing the source) once more than `limit` bytes came.
 */
async function writeHashing(
  fh: FileHandle,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  counter: DigestCounter,
  limit: number | undefined,
): Promise<void> {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const bufs = batch;
    const total = batchBytes;
    batch = [];
    batchBytes = 0;
    await inFlight;
    inFlight = writeAll(fh, bufs, total);
    // A failed write surfaces at the next await of inFlight; keep it from being unhandled meanwhile.
    inFlight.catch(() => {});
  };
  try {
    for await (const chunk of source) {
      counter.update(chunk);
      if (limit !== undefined && counter.size > limit) break;
      batch.push(chunk);
      batchBytes += chunk.byteLength;
      if (batchBytes >= WRITE_BATCH_BYTES) await flush();
    }
    if (batchBytes > 0) await flush();
  } finally {
    // Never leave a write running on a handle the caller is about to close.
    await inFlight.catch(() => {});
  }
  await inFlight;
}

/** writev that finishes short writes (rare on regular files, but allowed). */
async function writeAll(fh: FileHandle, bufs: Uint8Array[], total: number): Promise<void> {
  const { bytesWritten } = await fh.writev(bufs);
  let done = bytesWritten;
  if (done >= total) return;
  for (const buf of bufs) {
    if (done >= buf.byteLength) {
      done -= buf.byteLength;
      continue;
    }
    let rest = buf.subarray(done);
    done = 0;
    while (rest.byteLength > 0) rest = rest.subarray((await fh.write(rest)).bytesWritten);
  }
}
