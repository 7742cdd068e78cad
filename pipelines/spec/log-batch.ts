import type { Run } from './log-entry.js';
import { compressText, TEXT_CODEC } from './log-text.js';
import type { LogEntry } from './wire.js';

/** A stream entry of a job's log as Redis holds it: its id and flat field list (see LogEntry). */
export interface LogStreamEntry {
  id: string;
  /** Read as text or as bytes (a compressed text only reads as bytes). */
  fields: Array<string | Buffer>;
}

/** A stream entry as a writer sends it: the packed text `x` as UTF-8 bytes. */
export interface LogStreamEntryOut {
  id: string;
  fields: [...string[], Buffer];
}

/**
 * Packs consecutive log lines into one stream entry (the format is described at LogEntry).
 * Cheap per line: `add` extends the current run or starts one and copies the text's UTF-8
 * bytes into the entry's buffer (no string is kept, no join); `addLines` copies a whole chunk
 * of lines at once (no per-line work at all); `take` seals the entry (`compressEntry` then
 * packs a large one). Owned by one writer; a
 * taken entry's buffer is never touched again (it may be resent later).
 */
export class LogBatchBuilder {
  private buf: Buffer | undefined;
  private used = 0;
  private lines = 0;
  /**
   * The entry began with a text holding a '\n': its texts are concatenated and their UTF-16
   * lengths listed (`lengths`), and it takes no chunk. Otherwise texts are joined by '\n'.
   */
  private multiline = false;
  private lengths: number[] = [];
  private runs: Run[] = [];
  private run: Run | undefined;
  private firstLine = 0;
  /** Buffers of sent entries, reused (allocating 100 MB of them a second bloats the heap). */
  private readonly free: Buffer[] = [];

  /** `capacity`: bytes of the buffer an entry starts with (it grows for a bigger entry). */
  constructor(private readonly capacity = 320 * 1024) {}

  get count(): number {
    return this.lines;
  }

  /** Bytes of text held. */
  get bytes(): number {
    return this.used;
  }

  /** Number of the line `add` expects next after a non-empty batch (else any). */
  get next(): number {
    return this.firstLine + this.lines;
  }

  /**
   * Whether line `n` with text `text` (a chunk of lines from `addLines` when absent) can join
   * the open entry; when not, `take` the entry first. An empty builder takes anything; a text
   * holding a '\n' only joins an entry that began with one (such an entry lists its lengths).
   */
  fits(n: number, text?: string): boolean {
    if (this.lines === 0) return true;
    if (n !== this.next) return false;
    if (this.multiline) return text !== undefined;
    return text === undefined || !text.includes('\n');
  }

  /** Adds line `n`; it must fit (see `fits`; throws otherwise). */
  add(n: number, source: string, stream: 'stdout' | 'stderr', time: number, text: string): void {
    if (!this.fits(n, text)) throw new Error(`log line ${n} does not fit the entry (next: ${this.next})`);
    const first = this.lines === 0;
    if (first) this.multiline = text.includes('\n');
    const room = text.length <= 1024 ? text.length * 3 + 1 : Buffer.byteLength(text) + 1;
    const buf = this.start(n, source, stream, time, 1, room);
    if (!first && !this.multiline) buf[this.used++] = 10;
    this.used += buf.write(text, this.used);
    if (this.multiline) this.lengths.push(text.length);
  }

  /**
   * Adds `count` lines numbered from `n`: `bytes` holds their UTF-8 text joined by '\n' (none
   * at the end, none inside a line). Copied at once; `bytes` is not kept. Must fit (see `fits`).
   */
  addLines(
    n: number,
    source: string,
    stream: 'stdout' | 'stderr',
    time: number,
    bytes: Buffer,
    count: number,
  ): void {
    if (count < 1 || !this.fits(n))
      throw new Error(`log lines from ${n} do not fit the entry (next: ${this.next})`);
    const first = this.lines === 0;
    const buf = this.start(n, source, stream, time, count, bytes.length + 1);
    if (!first) buf[this.used++] = 10;
    this.used += bytes.copy(buf, this.used);
  }

  /**
   * Hands back the text of an entry from `take` once nothing refers to it any more (it is in
   * Redis, or given up on, and will not be resent); its buffer is used for a later entry.
   */
  recycle(text: Buffer): void {
    const whole = text.buffer;
    if (text.byteOffset !== 0 || whole.byteLength !== this.capacity || this.free.length >= 8) return;
    this.free.push(Buffer.from(whole, 0, whole.byteLength));
  }

  /** The entry of the lines added so far (none: undefined), and an empty builder. */
  take(): LogStreamEntryOut | undefined {
    if (this.lines === 0 || !this.buf) return undefined;
    const text = this.buf.subarray(0, this.used);
    const header = ['n', String(this.firstLine), 'r', JSON.stringify(this.runs)];
    if (this.multiline) header.push('l', this.lengths.join(','));
    const entry: LogStreamEntryOut = {
      id: `0-${this.next - 1}`,
      // A small entry (sent by the timer) is copied out and the buffer kept for the next.
      fields: [...header, 'x', this.used < this.buf.length / 4 ? Buffer.from(text) : text],
    };
    if (this.used >= this.buf.length / 4) this.buf = undefined;
    this.used = 0;
    this.lines = 0;
    this.lengths = [];
    this.multiline = false;
    this.runs = [];
    this.run = undefined;
    return entry;
  }

  /** Counts `count` lines from `n` into the runs and returns the buffer with `room` bytes free. */
  private start(
    n: number,
    source: string,
    stream: 'stdout' | 'stderr',
    time: number,
    count: number,
    room: number,
  ): Buffer {
    if (this.lines === 0) this.firstLine = n;
    this.lines += count;
    const stderr = stream === 'stderr' ? 1 : 0;
    const r = this.run;
    if (r && r[1] === source && r[2] === stderr && r[3] === time) r[0] += count;
    else {
      this.run = [count, source, stderr, time];
      this.runs.push(this.run);
    }
    let buf = this.buf ?? this.free.pop() ?? Buffer.allocUnsafe(this.capacity);
    if (buf.length - this.used < room) {
      const bigger = Buffer.allocUnsafe(Math.max(this.used + room, buf.length * 2));
      buf.copy(bigger, 0, 0, this.used);
      buf = bigger;
    }
    this.buf = buf;
    return buf;
  }
}

/** The entry of `lines` (consecutive numbers, at least one) as a reader sees it; for tests and tools. */
export function logStreamEntry(lines: readonly LogEntry[]): LogStreamEntry {
  const b = new LogBatchBuilder(1024);
  for (const l of lines) b.add(l.n, l.source, l.stream, l.time, l.text);
  const e = b.take();
  if (!e) throw new Error('a log stream entry holds at least one line');
  return { id: e.id, fields: e.fields };
}

/**
 * `entry` with its text compressed (`z` = `br`, see LogEntry) when it is 4 KiB or more and
 * that saves a tenth; otherwise `entry` itself. A loud step's log then costs Redis, the server
 * and the archive about a fifth of its bytes.
 */
export function compressEntry(entry: LogStreamEntryOut): LogStreamEntryOut {
  const text = entry.fields[entry.fields.length - 1] as Buffer;
  const packed = compressText(text);
  if (!packed) return entry;
  return { id: entry.id, fields: [...(entry.fields.slice(0, -2) as string[]), 'z', TEXT_CODEC, 'x', packed] };
}
