import type { Redis } from 'ioredis';
import { logEntryLast, logEntryRuns } from '../../pipelines/index.js';
import type { LogArchive } from './log-archive.js';
import { logEntries } from './logs.js';

/** Consecutive lines of one source (a step, or the runner's own lines): `first`..`last`. */
export interface LogSection {
  step: string;
  first: number;
  last: number;
}

/** A log's shape without its text: how many lines, and which source wrote which of them. */
export interface LogOutline {
  /** The number of the last line stored (0: none yet). */
  lines: number;
  sections: LogSection[];
}

/**
 * The outline of a job's log as it is now, read from the entries' headers only (no text is
 * decompressed or split), so a page can lay out a log of a million lines and fetch just the
 * lines in view. Lines skipped by readers (an entry overlapping one already read) are skipped
 * here the same way; consecutive runs of one source become one section.
 */
export async function logOutline(redis: Redis, archive: LogArchive, jobId: string): Promise<LogOutline> {
  const sections: LogSection[] = [];
  let done = 0;
  for await (const { id, fields } of logEntries(redis, archive, jobId)) {
    const last = logEntryLast(id);
    if (last <= done) continue;
    const header = logEntryRuns(id, fields);
    if (!header) continue;
    let n = header.first;
    for (const [count, source] of header.runs) {
      const from = Math.max(n, done + 1);
      const to = n + count - 1;
      n += count;
      if (to < from) continue;
      const open = sections.at(-1);
      if (open && open.step === source && open.last === from - 1) open.last = to;
      else sections.push({ step: source, first: from, last: to });
    }
    done = last;
  }
  return { lines: done, sections };
}
