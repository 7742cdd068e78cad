import { stripVTControlCharacters } from 'node:util';
import type { Redis } from 'ioredis';
import type { LogArchive } from './log-archive.js';
import { readLog } from './logs.js';

/** The lines of a log that hold a text, as a search box shows them. */
export interface LogMatches {
  /** How many lines of the whole log hold the text. */
  count: number;
  /** The numbers of the first `limit` of them after line `after`, in order. */
  lines: number[];
  /** Whether more matches follow the last one listed. */
  more: boolean;
}

/**
 * What a line looks like on a terminal: escape sequences (colours, cursor moves) removed and
 * each `\r`-separated part written over the start of the line.
 */
export function shownText(text: string): string {
  const plain = text.includes('\x1b') ? stripVTControlCharacters(text) : text;
  if (!plain.includes('\r')) return plain;
  let shown = '';
  for (const part of plain.replace(/\r+$/, '').split('\r')) shown = part + shown.slice(part.length);
  return shown;
}

/**
 * Searches a job's log (live or archived, as it is now) for the lines whose shown text holds
 * `query`, ignoring case. Reads the whole log once; a million lines take about a second.
 */
export async function searchLog(
  redis: Redis,
  archive: LogArchive,
  jobId: string,
  query: string,
  opts: { after?: number; limit?: number } = {},
): Promise<LogMatches> {
  const after = opts.after ?? 0;
  const limit = opts.limit ?? 1000;
  const needle = query.toLowerCase();
  const lines: number[] = [];
  let count = 0;
  for await (const batch of readLog(redis, archive, jobId)) {
    for (const e of batch) {
      if (!shownText(e.text).toLowerCase().includes(needle)) continue;
      count++;
      if (e.n > after && lines.length <= limit) lines.push(e.n);
    }
  }
  const more = lines.length > limit;
  if (more) lines.pop();
  return { count, lines, more };
}
