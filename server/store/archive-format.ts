import type { LogStreamEntry } from '../../pipelines/index.js';

/** Bytes of small records the encoder gathers before handing them on (fewer, larger writes). */
const CHUNK_BYTES = 256 * 1024;

/**
 * The archive's record format, one record per entry:
 * `{"id","fields":[all but the last value],"bytes":N}\n` then the last value's N raw bytes and
 * `\n`. Records of earlier versions are one JSON line `{"id","fields"}`; `decodeArchive` reads both.
 */
export async function* encodeArchive(entries: AsyncIterable<LogStreamEntry>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const { id, fields } of entries) {
    const head = fields.slice(0, -1).map((f) => f.toString());
    const tail = fields.at(-1) ?? '';
    const raw = typeof tail === 'string' ? Buffer.from(tail) : tail;
    const header = Buffer.from(`${JSON.stringify({ id, fields: head, bytes: raw.length })}\n`);
    // Small records are gathered; a large text goes on as it is (no copy).
    if (raw.length >= CHUNK_BYTES / 8) {
      if (size > 0) yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
      yield header;
      yield raw;
      yield NEWLINE;
      continue;
    }
    parts.push(header, raw, NEWLINE);
    size += header.length + raw.length + 1;
    if (size >= CHUNK_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

const NEWLINE = Buffer.from('\n');

/**
 * The entries of an archive's bytes, in order. Throws at a record that is not one
 * (an archive is only written by a server; the raw bytes after a bad header are never read as
 * records); a record cut short at the end is dropped.
 */
export async function* decodeArchive(input: AsyncIterable<Buffer>): AsyncGenerator<LogStreamEntry> {
  let buf: Buffer = Buffer.alloc(0);
  /** Bytes of the raw value the current header announced; undefined while a header is awaited. */
  let want: { id: string; fields: string[]; bytes: number } | undefined;
  for await (const chunk of input) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let at = 0;
    for (;;) {
      if (want) {
        if (buf.length - at < want.bytes + 1) break;
        // Bytes, as read from Redis: a compressed text only reads as bytes.
        const value = Buffer.from(buf.subarray(at, at + want.bytes));
        at += want.bytes + 1;
        yield { id: want.id, fields: [...want.fields, value] };
        want = undefined;
        continue;
      }
      const nl = buf.indexOf(10, at);
      if (nl === -1) break;
      const line = buf.toString('utf8', at, nl);
      at = nl + 1;
      if (!line) continue;
      const record = parseHeader(line);
      if (!record) throw new Error(`malformed log archive record: ${line.slice(0, 80)}`);
      if (record.bytes === undefined) yield { id: record.id, fields: record.fields };
      else want = { id: record.id, fields: record.fields, bytes: record.bytes };
    }
    buf = buf.subarray(at);
  }
}

function parseHeader(line: string): { id: string; fields: string[]; bytes?: number } | undefined {
  let r: { id?: unknown; fields?: unknown; bytes?: unknown };
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof r.id !== 'string' || !Array.isArray(r.fields) || !r.fields.every((f) => typeof f === 'string'))
    return undefined;
  if (r.bytes === undefined) return { id: r.id, fields: r.fields };
  return Number.isInteger(r.bytes) && (r.bytes as number) >= 0
    ? { id: r.id, fields: r.fields, bytes: r.bytes as number }
    : undefined;
}
