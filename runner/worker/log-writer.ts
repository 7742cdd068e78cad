import { tmpdir } from 'node:os';
import type { Redis } from 'ioredis';
import { log as rootLog } from '../../lib/log.js';
import {
  compressEntry,
  LogBatchBuilder,
  type LogLine,
  logEntryLast,
  wireKeys,
} from '../../pipelines/index.js';
import type { LogLines } from '../runtime/index.js';
import { logSender } from './log-send.js';
import { LogSpool, type SealedEntry } from './log-spool.js';

const log = rootLog.child({ module: 'worker/log-writer' });

/** Limits of a LogWriter; the defaults suit a runner (see runner/worker/README.md). */
export interface LogWriterOptions {
  /** Number of the first line written (default: one after the stream's last line, 1 if none). */
  startAt?: number;
  /**
   * An entry is sealed as soon as it holds this many bytes (default 64 KiB: a reader's string of
   * an entry's text then stays in V8's young generation, where garbage is cheap).
   */
  batchBytes?: number;
  /** Bytes of sealed entries kept in memory; later ones wait in the spool file (default 4 MiB). */
  memoryBytes?: number;
  /** Directory of the spool file (default: the OS temp dir; a runner uses its data dir). */
  spoolDir?: string;
  /** Only when the spool cannot be written: bytes held beyond which lines are dropped (default 16 MiB). */
  maxBufferBytes?: number;
}

/** A job's log stream as the executor writes it (see createLogWriter). */
export interface LogWriter {
  /** Buffers one line (synchronous, never throws, never waits on Redis). */
  write(source: string, line: LogLine): void;
  /** Buffers a chunk of lines at once, as `write` does each (their bytes are copied). */
  writeLines(source: string, lines: LogLines): void;
  /**
   * Backpressure for the output's source: undefined while it may write on; a promise while
   * half the memory window waits and Redis is taking entries (resolved once a quarter is left,
   * or after 500 ms). When Redis answers no send, it is never held: the spool takes the output.
   */
  ready(): Promise<void> | undefined;
  /** Resolves once every line written so far is in Redis. */
  flush(): Promise<void>;
  /** Flushes, removes the spool file, then ignores further writes. Idempotent. */
  close(): Promise<void>;
  /** Lines dropped (the spool could not be written, or Redis refused them for good). */
  readonly dropped: number;
  /** Number of the last line written (0 before the first). */
  readonly lastNumber: number;
  /** Bytes of lines held in memory: the open entry, sealed entries waiting, the send in flight. */
  readonly bufferedBytes: number;
  /** Bytes of lines waiting in the spool file. */
  readonly spooledBytes: number;
}

/** Bytes counted per buffered line beside its text (array slots, its length in the entry). */
const LINE_OVERHEAD = 16;
/** Most bytes of entries sent in one go. */
const SEND_BYTES = 1024 * 1024;
/**
 * Sends under way at once: one connection keeps them in order, and Redis stores the next while
 * the runner reads the answer to the last (one at a time caps a catch-up at ~55 MB/s, two ~100).
 */
const SENDS_IN_FLIGHT = 2;

/** Longest a source is held by backpressure; and held only if Redis answered within this. */
const HOLD_MS = 500;

/** Entries waiting, oldest first: in memory, or a run of `spooled` entries in the spool file. */
type Queued = SealedEntry | { spooled: number };

/**
 * Opens the log stream of job `jobId` (`wireKeys.log`) for writing. Lines are numbered on
 * `write` and packed many to an entry (see LogEntry), sealed at `batchBytes` or when sent. No
 * line is dropped while the disk takes the spool: sealed entries beyond `memoryBytes` go to a
 * spool file in `spoolDir` and are sent from there in order. Sending: when nothing is in flight
 * the lines written so far go at once (the first line of a step waits for no timer); lines
 * written meanwhile go with the next send, so a loud step's log reaches Redis while it runs, as
 * fast as Redis takes it; a step printing faster is held back (`ready`) while Redis drains
 * the backlog, and only spooled when Redis does not answer. Entry ids are the number of their last line, so a resent entry is refused by Redis
 * and ignored; lines numbered at or below the stream's top when opened are skipped. Only if the
 * spool cannot be written, lines past `maxBufferBytes` are dropped and counted by a
 * `[N lines dropped: the log spool could not be written]` line. The caller owns `redis`.
 */
export async function createLogWriter(
  redis: Redis,
  jobId: string,
  opts: LogWriterOptions = {},
): Promise<LogWriter> {
  const key = wireKeys.log(jobId);
  const top = await lastLine(redis, key);
  let last = opts.startAt !== undefined ? opts.startAt - 1 : top;
  const batchBytes = opts.batchBytes ?? 64 * 1024;
  const memoryBytes = opts.memoryBytes ?? 4 * 1024 * 1024;
  const maxBuffer = opts.maxBufferBytes ?? 16 * 1024 * 1024;
  const spool = new LogSpool(opts.spoolDir ?? tmpdir(), jobId);
  const send = logSender(redis, key, jobId);
  const open = new LogBatchBuilder(batchBytes + (batchBytes >> 2));
  let openBytes = 0;
  const queue: Queued[] = [];
  let queuedInMemory = 0;
  let inFlight = 0;
  let spoolBroken = false;
  let droppedRun = 0;
  let droppedTotal = 0;
  let droppedSource = '';
  let pump: Promise<void> | undefined;
  let kicked = false;
  let closed = false;
  /** When Redis last answered a send (performance.now()), and the sources held meanwhile. */
  let lastStored = Number.NEGATIVE_INFINITY;
  let held: Array<() => void> = [];
  const backlog = () => queuedInMemory + spool.bytes;

  const add = (source: string, stream: LogLine['stream'], time: number, text: string) => {
    const n = ++last;
    if (n <= top) return;
    if (!open.fits(n, text)) seal();
    open.add(n, source, stream, time, text);
    const bytes = text.length + LINE_OVERHEAD;
    openBytes += bytes;
  };
  const seal = () => {
    const lines = open.count;
    const taken = open.take();
    if (!taken) return;
    const entry = compressEntry(taken);
    // A compressed entry's text is a copy: the builder's buffer is free again.
    if (entry !== taken) open.recycle(taken.fields[taken.fields.length - 1] as Buffer);
    const s: SealedEntry = { entry, lines, bytes: openBytes };
    openBytes = 0;
    if (queuedInMemory + s.bytes > memoryBytes && !spoolBroken) {
      if (spool.push(s)) {
        const tail = queue.at(-1);
        if (tail && 'spooled' in tail) tail.spooled++;
        else queue.push({ spooled: 1 });
        open.recycle(entry.fields[entry.fields.length - 1] as Buffer);
        return;
      }
      spoolBroken = true;
      log.error({ jobId }, 'the log spool could not be written; lines past the memory bound are dropped');
    }
    queue.push(s);
    queuedInMemory += s.bytes;
  };
  const marker = (time: number) => {
    if (droppedRun === 0) return;
    add(droppedSource, 'stderr', time, `[${droppedRun} lines dropped: the log spool could not be written]`);
    droppedRun = 0;
  };
  /** The oldest waiting entries, up to `cap` bytes (at least one); spool read errors drop its lines. */
  const take = (cap: number): SealedEntry[] => {
    const batch: SealedEntry[] = [];
    let size = 0;
    while (queue.length > 0 && (batch.length === 0 || size < cap)) {
      const head = queue[0] as Queued;
      let s: SealedEntry | undefined;
      if ('spooled' in head) {
        try {
          s = spool.shift();
        } catch (err) {
          log.error(
            { jobId, err, lines: spool.lines },
            'the log spool could not be read; its lines are lost',
          );
          droppedTotal += spool.lines;
          spool.remove();
          for (let i = queue.length - 1; i >= 0; i--)
            if ('spooled' in (queue[i] as Queued)) queue.splice(i, 1);
          continue;
        }
        if (--head.spooled === 0) queue.shift();
        if (!s) continue;
      } else {
        s = head;
        queue.shift();
        queuedInMemory -= s.bytes;
      }
      batch.push(s);
      size += s.bytes;
    }
    return batch;
  };
  /** Sends what waits until nothing is left. */
  const run = async () => {
    // Sends under way, oldest first: a second goes out while the first is answered, but only
    // from entries already waiting (the open entry is sealed only when nothing is in flight).
    const sending: Promise<void>[] = [];
    for (;;) {
      if (queue.length === 0) {
        if (sending.length > 0) {
          await sending.shift();
          continue;
        }
        spoolBroken = false;
        marker(Date.now());
        seal();
        if (queue.length === 0) return;
      }
      if (sending.length >= SENDS_IN_FLIGHT) {
        await sending.shift();
        continue;
      }
      const batch = take(SEND_BYTES);
      const size = batch.reduce((n, s) => n + s.bytes, 0);
      inFlight += size;
      sending.push(
        send(batch).then((sent) => {
          inFlight -= size;
          if (sent) lastStored = performance.now();
          if (held.length > 0 && backlog() <= memoryBytes / 4) {
            for (const go of held) go();
            held = [];
          }
          if (sent)
            for (const { entry } of batch) {
              const text = entry.fields[entry.fields.length - 1] as Buffer;
              open.recycle(text);
              spool.recycle(text);
            }
          else droppedTotal += batch.reduce((n, s) => n + s.lines, 0);
        }),
      );
    }
  };
  const start = () => {
    kicked = false;
    pump ??= run()
      .catch((err) => log.error({ jobId, err }, 'log sending stopped'))
      .finally(() => {
        pump = undefined;
        // Lines written while the last send was settling.
        if (!closed && (open.count > 0 || queue.length > 0)) void start();
      });
    return pump;
  };

  const flush = async (): Promise<void> => {
    while (pump || open.count > 0 || queue.length > 0 || droppedRun > 0) await start();
  };

  /** False when `count` lines from `source` are dropped (the writer is closed, or over its bound). */
  const admit = (source: string, count: number, time: number) => {
    if (closed) return false;
    if (spoolBroken && openBytes + queuedInMemory + inFlight > maxBuffer) {
      if (droppedRun === 0) droppedSource = source;
      droppedRun += count;
      droppedTotal += count;
      return false;
    }
    marker(time);
    return true;
  };
  const written = () => {
    if (openBytes >= batchBytes) seal();
    if (!pump && !kicked) {
      kicked = true;
      queueMicrotask(start);
    }
  };

  return {
    write(source, line) {
      if (!admit(source, 1, line.time)) return;
      add(source, line.stream, line.time, line.text);
      written();
    },
    writeLines(source, { stream, time, bytes, count }) {
      if (!admit(source, count, time)) return;
      const n = last + 1;
      if (n <= top) {
        // Only when resuming inside this chunk: line by line, those up to the top skipped.
        for (const text of bytes.toString('utf8').split('\n')) add(source, stream, time, text);
      } else {
        last += count;
        if (!open.fits(n)) seal();
        open.addLines(n, source, stream, time, bytes, count);
        openBytes += bytes.length + 1;
      }
      written();
    },
    ready() {
      if (backlog() < memoryBytes / 2 || performance.now() - lastStored > HOLD_MS) return undefined;
      return new Promise<void>((resolve) => {
        held.push(resolve);
        setTimeout(resolve, HOLD_MS).unref();
      });
    },
    flush,
    async close() {
      closed = true;
      for (const go of held) go();
      held = [];
      await flush();
      spool.remove();
    },
    get dropped() {
      return droppedTotal;
    },
    get lastNumber() {
      return last;
    },
    get bufferedBytes() {
      return openBytes + queuedInMemory + inFlight;
    },
    get spooledBytes() {
      return spool.bytes;
    },
  };
}

/** The number of the stream's last line (0 when the stream is empty or missing). */
async function lastLine(redis: Redis, key: string): Promise<number> {
  const top = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return logEntryLast(top[0]?.[0] ?? '');
}
