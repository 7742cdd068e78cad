import type { Redis } from 'ioredis';
import { type LogEntry, logEntryFrom, wireKeys } from '../../pipelines/index.js';
import type { LogArchive } from './log-archive.js';

/** Entries read from a live stream per XRANGE. */
const PAGE = 5000;

/**
 * Moves a finished job's log from its Redis stream into `archive`, then deletes the stream.
 * Idempotent and crash-safe: while the stream exists the copy is (re)done whole (the archive's
 * put replaces atomically); once it is gone the job is archived (or never logged). Call it
 * only after the job's last line is in the stream (the runner flushes before reporting).
 */
export async function archiveJobLog(redis: Redis, archive: LogArchive, jobId: string): Promise<void> {
  const key = wireKeys.log(jobId);
  if ((await redis.exists(key)) === 0) return;
  await archive.put(jobId, streamPages(redis, key, 0));
  await redis.del(key);
}

/**
 * The job's log entries after line `after` (default 0), as they are now: from the live stream
 * in pages, or from the archive once archived. If the stream is archived while it is read, the
 * rest comes from the archive, without a gap or a double. Ends at the last line stored.
 */
export async function* readLog(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  opts: { after?: number } = {},
): AsyncGenerator<LogEntry> {
  let after = opts.after ?? 0;
  const key = wireKeys.log(jobId);
  for await (const e of streamPages(redis, key, after)) {
    yield e;
    after = e.n;
  }
  // An empty read: the end of a live stream, or no stream (archived, or nothing logged yet).
  if ((await redis.exists(key)) === 1) return;
  const archived = await archive.get(jobId, { after });
  if (!archived) return;
  for await (const e of archived) yield e;
}

/** Every entry of stream `key` after line `after`, read in pages of PAGE. */
async function* streamPages(redis: Redis, key: string, after: number): AsyncGenerator<LogEntry> {
  let from = after;
  for (;;) {
    const page = await redis.xrange(key, `0-${from + 1}`, '+', 'COUNT', PAGE);
    for (const [id, fields] of page) {
      from = Number(id.slice(id.indexOf('-') + 1)) || from;
      const e = entryFrom(id, fields);
      if (e) yield e;
    }
    if (page.length < PAGE) return;
  }
}

/**
 * logEntryFrom's result for the usual entry (fields s, o, t, x in the runner's order), without
 * a schema parse per line (a 100 MB log has a million); anything else goes through logEntryFrom.
 */
function entryFrom(id: string, f: readonly string[]): LogEntry | undefined {
  const n = Number(id.slice(2));
  const time = Number(f[5]);
  if (
    f.length === 8 &&
    f[0] === 's' &&
    f[2] === 'o' &&
    f[4] === 't' &&
    f[6] === 'x' &&
    id.startsWith('0-') &&
    Number.isInteger(n) &&
    n > 0 &&
    f[1] &&
    Number.isFinite(time)
  )
    return { n, source: f[1], stream: f[3] === '1' ? 'stderr' : 'stdout', time, text: f[7] as string };
  return logEntryFrom(id, f);
}
