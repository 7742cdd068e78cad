import type { Redis } from 'ioredis';
import { type LogEntry, type LogStreamEntry, logEntryLast, wireKeys } from '../../pipelines/index.js';
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
export function readLog(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  opts: { after?: number } = {},
): AsyncGenerator<LogEntry[]> {
  const after = opts.after ?? 0;
  return linesAfter(logEntries(redis, archive, jobId, after), after, jobId);
}

/**
 * The job's stored entries holding lines after `after`, as they are (nothing decoded): the
 * live stream's, then, if the stream is gone by its end (archived meanwhile, or before), the
 * archive's after the last one given. The raw face of `readLog`, for readers that look at
 * entries' headers only (server/store/log-outline.ts).
 */
export async function* logEntries(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  after = 0,
): AsyncGenerator<LogStreamEntry> {
  let last = after;
  const key = wireKeys.log(jobId);
  for await (const entry of streamEntries(redis, key, after)) {
    yield entry;
    last = Math.max(last, logEntryLast(entry.id));
  }
  // An empty read: the end of a live stream, or no stream (archived, or nothing logged yet).
  if ((await redis.exists(key)) === 1) return;
  const archived = await archive.entries(jobId);
  if (!archived) return;
  for await (const entry of archived) if (logEntryLast(entry.id) > last) yield entry;
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

/**
 * The last lines of a job's log, at most `count` of them and about `maxBytes` of text (the
 * newest kept), given `lines`, the number of its last line (from logOutline): what a page
 * shows first, sent with it.
 */
export async function readLogTail(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  lines: number,
  opts: { count: number; maxBytes: number },
): Promise<LogEntry[]> {
  const tail: LogEntry[] = [];
  for await (const batch of readLog(redis, archive, jobId, { after: Math.max(0, lines - opts.count) }))
    for (const e of batch) if (e.n <= lines) tail.push(e);
  let bytes = 0;
  let from = tail.length;
  while (from > 0 && bytes + (tail[from - 1] as LogEntry).text.length <= opts.maxBytes)
    bytes += (tail[--from] as LogEntry).text.length;
  return tail.slice(from);
}
