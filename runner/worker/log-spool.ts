import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { LogStreamEntryOut } from '../../pipelines/index.js';

/** A sealed log entry waiting to be sent: its lines and the bytes it is counted for. */
export interface SealedEntry {
  entry: LogStreamEntryOut;
  lines: number;
  bytes: number;
}

/** Bytes of a read buffer: one 64 KiB entry (a writer's default) and its header fit. */
const BODY_BYTES = 96 * 1024;
/** Per record: header length, text length, lines, counted bytes (u32 each). */
const HEAD = 16;

/**
 * A first-in first-out queue of sealed log entries in one file, `<dir>/<jobId>-<random>.spool`,
 * for the entries a LogWriter cannot keep in memory. Synchronous (page-cache writes and reads
 * of one entry at a time, cheap next to reading a step's pipe). The file is created on the
 * first `push`, truncated whenever the queue empties, and deleted by `remove()` (idempotent);
 * a runner that dies leaves it to the data dir GC (runner/data-dir-gc.ts). Owned by one writer.
 */
export class LogSpool {
  private fd: number | undefined;
  private readonly path: string;
  private writePos = 0;
  private readPos = 0;
  private removed = false;
  /** Read buffers made by `shift` (never from Node's shared pool), and those free for reuse. */
  private readonly bodies = new WeakSet<ArrayBufferLike>();
  private readonly free: Buffer[] = [];
  /** Entries, lines and counted bytes queued in the file. */
  count = 0;
  lines = 0;
  bytes = 0;

  constructor(
    private readonly dir: string,
    jobId: string,
  ) {
    this.path = join(dir, `${jobId}-${randomBytes(4).toString('hex')}.spool`);
  }

  /** Appends `s`; false when it could not be written whole (disk full, no such dir), nothing queued then. */
  push(s: SealedEntry): boolean {
    if (this.removed) return false;
    const fields = s.entry.fields;
    const text = fields[fields.length - 1] as Buffer;
    const meta = Buffer.from(JSON.stringify([s.entry.id, ...fields.slice(0, -1)]));
    const head = Buffer.allocUnsafe(HEAD);
    head.writeUInt32LE(meta.length, 0);
    head.writeUInt32LE(text.length, 4);
    head.writeUInt32LE(s.lines, 8);
    head.writeUInt32LE(s.bytes, 12);
    const total = HEAD + meta.length + text.length;
    try {
      if (this.fd === undefined) {
        mkdirSync(this.dir, { recursive: true });
        this.fd = openSync(this.path, 'w+', 0o600);
      }
      if (writevSync(this.fd, [head, meta, text], this.writePos) !== total) return false;
    } catch {
      return false;
    }
    this.writePos += total;
    this.count++;
    this.lines += s.lines;
    this.bytes += s.bytes;
    return true;
  }

  /** Takes the oldest entry (undefined when empty); throws when the file cannot be read back. */
  shift(): SealedEntry | undefined {
    if (this.count === 0 || this.fd === undefined) return undefined;
    const head = Buffer.allocUnsafe(HEAD);
    this.readAll(head, this.readPos);
    const metaLen = head.readUInt32LE(0);
    const textLen = head.readUInt32LE(4);
    const need = metaLen + textLen;
    const free = this.free.findIndex((b) => b.length >= need);
    let whole = free === -1 ? undefined : this.free.splice(free, 1)[0];
    if (!whole) {
      whole = Buffer.allocUnsafeSlow(Math.max(need, BODY_BYTES));
      this.bodies.add(whole.buffer);
    }
    const body = whole.subarray(0, need);
    this.readAll(body, this.readPos + HEAD);
    const [id, ...fields] = JSON.parse(body.toString('utf8', 0, metaLen)) as string[];
    const s: SealedEntry = {
      entry: { id: id as string, fields: [...fields, body.subarray(metaLen)] },
      lines: head.readUInt32LE(8),
      bytes: head.readUInt32LE(12),
    };
    this.readPos += HEAD + metaLen + textLen;
    this.count--;
    this.lines -= s.lines;
    this.bytes -= s.bytes;
    if (this.count === 0) this.reset();
    return s;
  }

  /**
   * Hands back the text of an entry from `shift` once nothing refers to it any more (stored in
   * Redis, or given up on); its buffer is used for a later entry. Others are ignored.
   */
  recycle(text: Buffer): void {
    if (!this.bodies.has(text.buffer) || this.free.length >= 4) return;
    this.free.push(Buffer.from(text.buffer, 0, text.buffer.byteLength));
  }

  /** Closes and deletes the file (if made); the queue is empty afterwards and takes nothing more. Never throws. */
  remove(): void {
    this.removed = true;
    this.count = this.lines = this.bytes = 0;
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
      rmSync(this.path, { force: true });
    } catch {
      // Only a file GC (runner/data-dir-gc.ts) already took, or one it will.
    }
    this.fd = undefined;
  }

  private reset(): void {
    this.readPos = this.writePos = 0;
    try {
      if (this.fd !== undefined) ftruncateSync(this.fd, 0);
    } catch {
      // The space comes back at remove() at the latest.
    }
  }

  private readAll(into: Buffer, at: number): void {
    let got = 0;
    while (got < into.length) {
      const n = readSync(this.fd as number, into, got, into.length - got, at + got);
      if (n === 0) throw new Error(`log spool ${this.path} ends early`);
      got += n;
    }
  }
}
