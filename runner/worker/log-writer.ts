import type { Redis } from 'ioredis';
import { log as rootLog } from '../../lib/log.js';
import {
  LogBatchBuilder,
  type LogLine,
  type LogStreamEntryOut,
  logEntryLast,
  wireKeys,
} from '../../pipelines/index.js';

const log = rootLog.child({ module: 'worker/log-writer' });

/** Limits of a LogWriter; the defaults suit a runner (see runner/worker/README.md). */
export interface LogWriterOptions {
  /** Number of the first line written (default: one after the stream's last line, 1 if none). */
  startAt?: number;
  /** Longest a line waits before its batch is sent (default 50 ms). */
  flushMs?: number;
  /** An entry is sealed and sent as soon as it holds this many bytes (default 256 KiB). */
  batchBytes?: number;
  /** Bytes buffered beyond which lines are dropped and counted (default 16 MiB). */
  maxBufferBytes?: number;
}

/** A job's log stream as the executor writes it (see createLogWriter). */
export interface LogWriter {
  /** Buffers one line (synchronous, never throws, never blocks). */
  write(source: string, line: LogLine): void;
  /** Resolves once every line written so far is in Redis. */
  flush(): Promise<void>;
  /** Flushes, then ignores further writes. */
  close(): Promise<void>;
  /** Lines dropped because Redis could not keep up (each run of them has a marker line). */
  readonly dropped: number;
  /** Number of the last line written (0 before the first). */
  readonly lastNumber: number;
}

/** Matches Redis's refusal of an id not above the stream's top: that entry is already there. */
const ALREADY_THERE = /equal or smaller than the target stream top item/;
const SEND_ATTEMPTS = 5;
/** Bytes counted per buffered line beside its text (array slots, its length in the entry). */
const LINE_OVERHEAD = 16;
/** Most bytes of entries sent in one pipeline. */
const SEND_BYTES = 4 * 1024 * 1024;

interface Sealed {
  entry: LogStreamEntryOut;
  lines: number;
  bytes: number;
}

/**
 * Opens the log stream of job `jobId` (`wireKeys.log`) for writing. Lines are numbered on
 * `write` and packed many to an entry (see LogEntry): an entry is sealed at `batchBytes`, or
 * when it is sent (at the latest `flushMs` after its first line); one pipelined send of sealed
 * entries is in flight at a time. Entry ids are the number of their last line, so a resent
 * entry (after a reconnect, or a failed send retried) is refused by Redis and that refusal is
 * ignored; lines numbered at or below the stream's top when opened (a retried job resending
 * from `startAt`) are already there and skipped. Memory is bounded: while more than
 * `maxBufferBytes` wait or are in flight, lines are dropped and a `[N lines dropped: log too
 * fast]` line is written once there is room again. The caller owns `redis`.
 */
export async function createLogWriter(
  redis: Redis,
  jobId: string,
  opts: LogWriterOptions = {},
): Promise<LogWriter> {
  const key = wireKeys.log(jobId);
  const top = await lastLine(redis, key);
  let last = opts.startAt !== undefined ? opts.startAt - 1 : top;
  const flushMs = opts.flushMs ?? 50;
  const batchBytes = opts.batchBytes ?? 256 * 1024;
  const maxBuffer = opts.maxBufferBytes ?? 16 * 1024 * 1024;
  const open = new LogBatchBuilder();
  let openBytes = 0;
  const sealed: Sealed[] = [];
  let buffered = 0;
  let droppedRun = 0;
  let droppedTotal = 0;
  let droppedSource = '';
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const add = (source: string, stream: LogLine['stream'], time: number, text: string) => {
    const n = ++last;
    if (n <= top) return;
    if (open.count > 0 && open.next !== n) seal();
    open.add(n, source, stream, time, text);
    const bytes = text.length + LINE_OVERHEAD;
    openBytes += bytes;
    buffered += bytes;
  };
  const seal = () => {
    const lines = open.count;
    const entry = open.take();
    if (entry) sealed.push({ entry, lines, bytes: openBytes });
    openBytes = 0;
  };
  const marker = (time: number) => {
    if (droppedRun === 0) return;
    add(droppedSource, 'stderr', time, `[${droppedRun} lines dropped: log too fast]`);
    droppedRun = 0;
  };
  /** Sends `batch`; false when it was given up on (its entries may still sit in ioredis's queue). */
  const send = async (batch: Sealed[]): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      const pipe = redis.pipeline();
      for (const { entry } of batch) pipe.xadd(key, entry.id, ...entry.fields);
      const results = (await pipe.exec().catch((err: Error) => [[err, null]])) ?? [];
      const failed = results.find(([err]) => err && !ALREADY_THERE.test(err.message));
      if (!failed) return true;
      if (attempt >= SEND_ATTEMPTS) {
        const lines = batch.reduce((s, b) => s + b.lines, 0);
        droppedTotal += lines;
        log.error({ jobId, lines, err: failed[0] }, 'log lines could not be stored; dropped');
        return false;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  };
  /** Seals and sends what is buffered, pipeline after pipeline, until nothing is left. */
  const drain = (): Promise<void> => {
    if (inFlight) return inFlight;
    if (timer) clearTimeout(timer);
    timer = undefined;
    inFlight = (async () => {
      for (;;) {
        marker(Date.now());
        seal();
        if (sealed.length === 0) return;
        let size = 0;
        let count = 0;
        while (count < sealed.length && (count === 0 || size < SEND_BYTES))
          size += (sealed[count++] as Sealed).bytes;
        const batch = sealed.splice(0, count);
        const sent = await send(batch);
        buffered -= size;
        if (sent)
          for (const { entry } of batch) open.recycle(entry.fields[entry.fields.length - 1] as Buffer);
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const flush = async (): Promise<void> => {
    while (inFlight || open.count > 0 || sealed.length > 0 || droppedRun > 0) await drain();
  };

  return {
    write(source, line) {
      if (closed) return;
      if (buffered > maxBuffer) {
        if (droppedRun === 0) droppedSource = source;
        droppedRun++;
        droppedTotal++;
        return;
      }
      marker(line.time);
      add(source, line.stream, line.time, line.text);
      if (openBytes >= batchBytes) seal();
      if (inFlight) return;
      if (sealed.length > 0) void drain();
      else timer ??= setTimeout(() => void drain(), flushMs);
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
    get dropped() {
      return droppedTotal;
    },
    get lastNumber() {
      return last;
    },
  };
}

/** The number of the stream's last line (0 when the stream is empty or missing). */
async function lastLine(redis: Redis, key: string): Promise<number> {
  const top = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return logEntryLast(top[0]?.[0] ?? '');
}
