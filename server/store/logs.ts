import type { Redis } from 'ioredis';
import { type LogEntry, type LogStreamEntry, wireKeys } from '../../pipelines/index.js';
import type { LogArchive } from './log-archive.js';
import { linesAfter } from './log-lines.js';

/**
 * Entries read from a live stream per XRANGE (each holds a writer's batch, 64 KiB by default):
 * a page, and the one asked for meanwhile, of about 256 KiB each (16 a page: peak RSS ~35 MiB
 * higher, the replies then being large objects).
 */
const PAGE = 4;

/**
 * Moves a finished job's log from its Redis stream into `archive`, then deletes the stream.
 * The entries are copied as they are (no per-line work), page by page. Idempotent and
 * crash-safe: while the stream exists the copy is (re)done whole (the archive's put replaces
 * atomically); once it is gone the job is archived (or never logged). Call it only after the
 * job's last line is in the stream (the runner flushes before reporting).
 */
export async function archiveJobLog(redis: Redis, archive: LogArchive, jobId: string): Promise<void> {
  const key = wireKeys.log(jobId);
  if ((await redis.exists(key)) === 0) return;
  await archive.put(jobId, streamEntries(redis, key, 0));
  await redis.del(key);
}

/**
 * The job's log lines after line `after` (default 0), as they are now, in batches (one per
 * stream entry, never empty): from the live stream in pages, or from the archive once
 * archived. If the stream is archived while it is read, the rest comes from the archive,
 * without a gap or a double. Ends at the last line stored.
 */
export async function* readLog(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  opts: { after?: number } = {},
): AsyncGenerator<LogEntry[]> {
  let after = opts.after ?? 0;
  const key = wireKeys.log(jobId);
  for await (const batch of linesAfter(streamEntries(redis, key, after), after, jobId)) {
    yield batch;
    after = (batch.at(-1) as LogEntry).n;
  }
  // An empty read: the end of a live stream, or no stream (archived, or nothing logged yet).
  if ((await redis.exists(key)) === 1) return;
  const archived = await archive.get(jobId, { after });
  if (!archived) return;
  yield* archived;
}

/**
 * The entries of stream `key` holding lines after `after` (ids from `0-<after+1>`), in pages,
 * as bytes (a compressed text only reads as bytes; a copy decodes nothing). Each next page
 * starts after the last id read (exclusive range), whatever that id is, and is asked for while
 * the current one is used, so Redis works while the reader does.
 */
async function* streamEntries(redis: Redis, key: string, after: number): AsyncGenerator<LogStreamEntry> {
  const read = (from: string) => redis.xrangeBuffer(key, from, '+', 'COUNT', PAGE);
  let next: Promise<[Buffer, Buffer[]][]> | undefined = read(`0-${after + 1}`);
  while (next) {
    const page: [Buffer, Buffer[]][] = await next;
    const last = page.at(-1);
    next = last && page.length === PAGE ? read(`(${last[0].toString()}`) : undefined;
    // A reader that stops early leaves the prefetched page unread; it must not reject unseen.
    next?.catch(() => undefined);
    for (const [id, fields] of page) yield { id: id.toString(), fields };
  }
}
