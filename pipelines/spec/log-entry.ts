import { entryText } from './log-text.js';
import type { LogEntry } from './wire.js';

/** A run of consecutive lines sharing source, stream (0 stdout, 1 stderr) and time. */
export type Run = [count: number, source: string, stderr: 0 | 1, time: number];

/** The number of an entry's last line (its id `0-<n>`), or 0 for an id not of that form. */
export function logEntryLast(id: string): number {
  return /^0-[1-9][0-9]*$/.test(id) ? Number(id.slice(2)) : 0;
}

/**
 * A stream entry (read as text or as bytes) back to its lines, in order; undefined when
 * malformed (a bad id, counts that disagree, lengths not adding up to the text, a run without
 * a source or time, a compressed text that does not decompress or was read as a string).
 */
export function logEntriesFrom(id: string, fields: ReadonlyArray<string | Buffer>): LogEntry[] | undefined {
  const last = logEntryLast(id);
  let first: string | undefined;
  let runsJson: string | undefined;
  let lengthList: string | undefined;
  let codec: string | undefined;
  let x: string | Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1] as string | Buffer;
    switch (fields[i]?.toString()) {
      case 'n':
        first = v.toString();
        break;
      case 'r':
        runsJson = v.toString();
        break;
      case 'l':
        lengthList = v.toString();
        break;
      case 'z':
        codec = v.toString();
        break;
      case 'x':
        x = v;
    }
  }
  const n0 = Number(first);
  if (!last || !Number.isInteger(n0) || n0 < 1 || n0 > last) return undefined;
  if (runsJson === undefined || x === undefined) return undefined;
  const count = last - n0 + 1;
  const runs = parseRuns(runsJson, count);
  if (!runs) return undefined;
  const text = entryText(x, codec);
  if (text === undefined) return undefined;
  const texts = lengthList === undefined ? text.split('\n') : cutByLengths(text, lengthList);
  if (texts?.length !== count) return undefined;
  const out = new Array<LogEntry>(count);
  let i = 0;
  for (const [runCount, source, stderr, time] of runs) {
    const stream = stderr ? 'stderr' : 'stdout';
    for (let k = 0; k < runCount; k++, i++)
      out[i] = { n: n0 + i, source, stream, time, text: texts[i] as string };
  }
  return out;
}

/**
 * What an entry's header says without its text being read: the number of its first line and
 * its runs (count, source, stream, time); undefined when they do not describe its lines.
 * `logEntriesFrom` checks the text as well, so an entry this accepts may still be skipped there.
 */
export function logEntryRuns(
  id: string,
  fields: ReadonlyArray<string | Buffer>,
): { first: number; runs: Run[] } | undefined {
  const last = logEntryLast(id);
  let first: number | undefined;
  let runsJson: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]?.toString();
    if (name === 'n') first = Number(fields[i + 1]?.toString());
    else if (name === 'r') runsJson = fields[i + 1]?.toString();
  }
  if (!last || first === undefined || !Number.isInteger(first) || first < 1 || first > last) return undefined;
  const runs = runsJson === undefined ? undefined : parseRuns(runsJson, last - first + 1);
  return runs ? { first, runs } : undefined;
}

/** `text` cut into pieces of the listed UTF-16 lengths; undefined unless they add up exactly. */
function cutByLengths(text: string, lengthList: string): string[] | undefined {
  const lengths = lengthList.split(',');
  const out = new Array<string>(lengths.length);
  let pos = 0;
  for (let i = 0; i < lengths.length; i++) {
    const s = lengths[i] as string;
    const len = Number(s);
    if (s.length === 0 || !Number.isInteger(len) || len < 0 || pos + len > text.length) return undefined;
    out[i] = text.slice(pos, pos + len);
    pos += len;
  }
  return pos === text.length ? out : undefined;
}

/** The runs of an entry if well-formed and covering exactly `count` lines. */
function parseRuns(json: string, count: number): Run[] | undefined {
  let runs: unknown;
  try {
    runs = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(runs)) return undefined;
  let total = 0;
  for (const r of runs) {
    if (!Array.isArray(r) || r.length !== 4) return undefined;
    const [c, source, stderr, time] = r as unknown[];
    if (!Number.isInteger(c) || (c as number) < 1) return undefined;
    if (typeof source !== 'string' || source.length === 0) return undefined;
    if ((stderr !== 0 && stderr !== 1) || typeof time !== 'number' || !Number.isFinite(time))
      return undefined;
    total += c as number;
  }
  return total === count ? (runs as Run[]) : undefined;
}
