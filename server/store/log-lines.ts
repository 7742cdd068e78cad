import { log as rootLog } from '../../lib/log.js';
import { type LogEntry, type LogStreamEntry, logEntriesFrom, logEntryLast } from '../../pipelines/index.js';

const log = rootLog.child({ module: 'store/logs' });

/**
 * The lines after line `after` of a log's stream entries (live from Redis or archived), one
 * array per entry, never empty. Shared by every reader, so live and archived logs read the
 * same: the lines ≤ `after` of the first entry are skipped, and so is any line at or below one
 * already given (entries of two overlapping writers); a malformed entry is skipped and logged.
 */
export async function* linesAfter(
  entries: AsyncIterable<LogStreamEntry> | Iterable<LogStreamEntry>,
  after: number,
  jobId: string,
): AsyncGenerator<LogEntry[]> {
  let done = after;
  for await (const { id, fields } of entries) {
    if (logEntryLast(id) <= done) continue;
    const lines = logEntriesFrom(id, fields);
    if (!lines) {
      log.warn({ jobId, id }, 'malformed log entry skipped');
      continue;
    }
    const first = lines[0] as LogEntry;
    const rest = first.n > done ? lines : lines.slice(done - first.n + 1);
    done = (lines.at(-1) as LogEntry).n;
    if (rest.length > 0) yield rest;
  }
}
