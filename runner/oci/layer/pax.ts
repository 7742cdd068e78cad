import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Byte-exact PAX xattr records. tar-stream decodes every PAX value as UTF-8, which destroys
 * binary xattrs such as `security.capability`, and encodes them as UTF-8 on the way out. We
 * wrap its `decodePax`/`encodePax` (looked up on its shared headers module at call time):
 * on read `SCHILY.xattr.*` values come back as latin1 strings, one char per byte; on write a
 * Buffer value in `header.pax` is written as raw bytes. Every other key behaves as before.
 * Idempotent; installed when the layer modules load.
 */
const PATCHED = Symbol.for('slipway.tarStreamPaxXattrs');
const XATTR_PREFIX = 'SCHILY.xattr.';

interface EncodePaxOpts {
  name?: string;
  linkname?: string;
  pax?: Record<string, string | Buffer>;
}

interface TarHeadersModule {
  decodePax: ((buf: Buffer) => Record<string, string>) & { [PATCHED]?: true };
  encodePax: (opts: EncodePaxOpts) => Buffer;
}

export function installBinaryXattrCoding(): void {
  const require = createRequire(import.meta.url);
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as TarHeadersModule;
  if (headers.decodePax[PATCHED]) return;
  const original = headers.decodePax;
  const patched = (buf: Buffer): Record<string, string> => {
    const result = original(buf);
    for (const [key, value] of parsePaxRecords(buf))
      if (key.startsWith(XATTR_PREFIX)) result[key] = value.toString('latin1');
    return result;
  };
  headers.decodePax = Object.assign(patched, { [PATCHED]: true as const });
  const originalEncode = headers.encodePax;
  headers.encodePax = (opts: EncodePaxOpts): Buffer => {
    if (!opts.pax || !Object.values(opts.pax).some((v) => Buffer.isBuffer(v))) return originalEncode(opts);
    const records: Array<[string, Buffer | string]> = [];
    if (opts.name) records.push(['path', opts.name]);
    if (opts.linkname) records.push(['linkpath', opts.linkname]);
    for (const [k, v] of Object.entries(opts.pax)) records.push([k, v]);
    return encodePaxRecords(records);
  };
}

/** `[key, raw value bytes]` of each well-formed `"<len> key=value\n"` record. */
export function parsePaxRecords(buf: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let off = 0;
  while (off < buf.length) {
    const space = buf.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number.parseInt(buf.toString('ascii', off, space), 10);
    if (!(len > 0) || off + len > buf.length) break;
    const record = buf.subarray(space + 1, off + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.push([record.toString('utf8', 0, eq), record.subarray(eq + 1)]);
    off += len;
  }
  return out;
}

/** Encodes PAX records; the length prefix counts itself, as the format requires. */
export function encodePaxRecords(records: Array<[string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.concat([Buffer.from(String(len)), body]));
  }
  return Buffer.concat(parts);
}

export { XATTR_PREFIX };
