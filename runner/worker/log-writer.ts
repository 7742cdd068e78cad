import type { Redis } from 'ioredis';
import { log as rootLog } from '../../lib/log.js';
import { type LogEntry, type LogLine, logEntryFields, wireKeys } from '../../pipelines/index.js';

const log = rootLog.child({ module: 'worker/log-writer' });

/** Limits of a LogWriter; the defaults suit a runner (see runner/worker/README.md). */
export interface LogWriterOptions {
  /** Number of the first line written (default: one after the stream's last line, 1 if none). */
  startAt?: number;
  /** Longest a line waits before its batch is sent (default 50 ms). */
  flushMs?: number;
  /** A batch is sent as soon as this many bytes are buffered (default 256 KiB). */
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

/** Matches Redis's refusal of an id not above the stream's top: that line is already there. */
const ALREADY_THERE = /equal or smaller than the target stream top item/;
const SEND_ATTEMPTS = 5;

interface Pending {
  entry: LogEntry;
  bytes: number;
}

/**
 * Opens the log stream of job `jobId` (`wireKeys.log`) for writing. Lines are numbered on
 * `write` and sent in batches of pipelined `XADD key 0-<n>`, one batch in flight at a time,
 * every `flushMs` or at `batchBytes`. The explicit ids make a resent batch (after a reconnect,
 * or a retried job continuing its stream) harmless: Redis refuses an id ≤ the top and that
 * refusal is ignored. Memory is bounded: while more than `maxBufferBytes` wait, lines are
 * dropped and a `[N lines dropped: log too fast]` line is written once there is room again.
 */
export async function createLogWriter(
  redis: Redis,
  jobId: string,
  opts: LogWriterOptions = {},
): Promise<LogWriter> {
  const key = wireKeys.log(jobId);
  let last = opts.startAt !== undefined ? opts.startAt - 1 : await lastLine(redis, key);
  const flushMs = opts.flushMs ?? 50;
  const batchBytes = opts.batchBytes ?? 256 * 1024;
  const maxBuffer = opts.maxBufferBytes ?? 16 * 1024 * 1024;
  let buffer: Pending[] = [];
  let buffered = 0;
  let droppedRun = 0;
  let droppedTotal = 0;
  let droppedSource = '';
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const push = (entry: LogEntry) => {
    const bytes = entry.text.length + entry.source.length + 48;
    buffer.push({ entry, bytes });
    buffered += bytes;
  };
  const marker = (time: number) => {
    if (droppedRun === 0) return;
    push({
      n: ++last,
      source: droppedSource,
      stream: 'stderr',
      time,
      text: `[${droppedRun} lines dropped: log too fast]`,
    });
    droppedRun = 0;
  };
  const send = async (batch: Pending[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const pipe = redis.pipeline();
      for (const { entry } of batch) pipe.xadd(key, `0-${entry.n}`, ...logEntryFields(entry));
      const results = (await pipe.exec().catch((err: Error) => [[err, null]])) ?? [];
      const failed = results.find(([err]) => err && !ALREADY_THERE.test(err.message));
      if (!failed) return;
      if (attempt >= SEND_ATTEMPTS) {
        droppedTotal += batch.length;
        log.error({ jobId, lines: batch.length, err: failed[0] }, 'log lines could not be stored; dropped');
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  };
  /** Sends what is buffered, batch after batch, until the buffer is empty. */
  const drain = (): Promise<void> => {
    if (inFlight) return inFlight;
    if (timer) clearTimeout(timer);
    timer = undefined;
    inFlight = (async () => {
      while (buffer.length > 0 || droppedRun > 0) {
        marker(Date.now());
        const batch: Pending[] = [];
        let size = 0;
        for (const p of buffer) {
          if (batch.length > 0 && size >= batchBytes) break;
          batch.push(p);
          size += p.bytes;
        }
        buffer = batch.length === buffer.length ? [] : buffer.slice(batch.length);
        buffered -= size;
        await send(batch);
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const flush = async (): Promise<void> => {
    while (inFlight || buffer.length > 0 || droppedRun > 0) await drain();
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
      push({ n: ++last, source, stream: line.stream, time: line.time, text: line.text });
      if (inFlight) return;
      if (buffered >= batchBytes) void drain();
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
  const id = top[0]?.[0];
  const m = id ? /^0-([0-9]+)$/.exec(id) : null;
  return m ? Number(m[1]) : 0;
}
