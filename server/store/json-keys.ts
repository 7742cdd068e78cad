import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';
import { memoize, memoized } from './record-memo.js';

/**
 * How records are stored: JSON, and JSON over COMPRESS_OVER bytes as a marker byte (0x01,
 * which no JSON text starts with) then its raw deflate (level 6: ~35 µs per job record, which
 * shrinks to about 45%; Brotli was as small and took over twice as long). Every finished run
 * stays in Redis, so its records' size is what Redis grows by per run. Plain JSON (an earlier
 * version's records) still reads.
 */
const COMPRESS_OVER = 512;
const DEFLATED = 0x01;

/**
 * `value` as stored (see COMPRESS_OVER); `schema` checks it first. `compress: false` keeps it
 * plain whatever its size: a record still changing (a running job's) is written several times
 * and read back by the server that wrote it, and only its last form stays.
 */
export function encodeJson<S extends z.ZodType>(
  schema: S,
  value: z.infer<S>,
  compress = true,
): Buffer | string {
  return encoded(schema, value, compress).stored;
}

/** What `value` is once validated (defaults filled in, unknown keys left out), and its stored bytes. */
function encoded<S extends z.ZodType>(
  schema: S,
  value: z.infer<S>,
  compress: boolean,
): { value: z.infer<S>; stored: Buffer | string } {
  const valid = schema.parse(value);
  const text = JSON.stringify(valid);
  if (!compress || text.length <= COMPRESS_OVER) return { value: valid, stored: text };
  return {
    value: valid,
    stored: Buffer.concat([Buffer.from([DEFLATED]), deflateRawSync(text, { level: 6 })]),
  };
}

/** The JSON text of a stored record value (plain or compressed: see COMPRESS_OVER). */
export function decodeStored(raw: Buffer): string {
  return raw[0] === DEFLATED ? inflateRawSync(raw.subarray(1)).toString() : raw.toString();
}

/** A JSON value under `key`, validated with `schema`; undefined when the key is absent. */
export async function readJson<S extends z.ZodType>(
  redis: Redis,
  key: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const raw = await redis.getBuffer(key);
  return raw === null ? undefined : parse(key, raw, schema);
}

/** Several JSON values at once (absent keys are left out). */
export async function readJsonMany<S extends z.ZodType>(
  redis: Redis,
  keys: string[],
  schema: S,
): Promise<z.infer<S>[]> {
  if (keys.length === 0) return [];
  const raws = await redis.mgetBuffer(...keys);
  const out: z.infer<S>[] = [];
  raws.forEach((raw, i) => {
    if (raw !== null) out.push(parse(keys[i] as string, raw, schema));
  });
  return out;
}

/**
 * SET key new only if its value is still old (a compare-and-set on one shared connection). The
 * old value travels as its SHA-1 (ARGV[1]), not whole: a record is read, then written back.
 */
const CAS_SCRIPT = `local v = redis.call('GET', KEYS[1]) if v and redis.sha1hex(v) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

/**
 * Compare-and-set of one JSON value: reads it, lets `change` return the new value (or undefined
 * to leave it), writes it only if nobody changed the key meanwhile (a Lua compare-and-set),
 * else reads again and retries. Returns what is stored afterwards and whether this call wrote it;
 * undefined when the key is absent. This is how two servers, or a retried report, update one
 * record without losing or doubling a transition: `change` decides from the value it sees, so
 * applying the same change twice is a no-op.
 */
export async function updateJson<S extends z.ZodType>(
  redis: Redis,
  key: string,
  schema: S,
  change: (current: z.infer<S>) => z.infer<S> | undefined,
  /** Whether the new value is stored compressed (see encodeJson); default: always. */
  compress: (value: z.infer<S>) => boolean = () => true,
): Promise<{ value: z.infer<S>; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const raw = await redis.getBuffer(key);
    if (raw === null) return undefined;
    const current = parse(key, raw, schema);
    const next = change(current);
    if (next === undefined) return { value: current, changed: false };
    const write = encoded(schema, next, compress(next));
    const seen = createHash('sha1').update(raw).digest('hex');
    const written = await redis.eval(CAS_SCRIPT, 1, key, seen, write.stored);
    if (written === 1) return { value: memoize(key, write.stored, schema, write.value), changed: true };
  }
  throw new SlipwayError(`too much contention updating ${key}`, { category: 'temporary' });
}

/** The record under `key` (memoized by its bytes: see record-memo.ts); it must not be changed in place. */
function parse<S extends z.ZodType>(key: string, raw: Buffer, schema: S): z.infer<S> {
  const known = memoized(key, raw, schema);
  if (known !== undefined) return known as z.infer<S>;
  const parsed = schema.safeParse(JSON.parse(decodeStored(raw)));
  if (!parsed.success)
    throw new SlipwayError(
      `stored record ${key} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      {
        category: 'internal',
      },
    );
  return memoize(key, raw, schema, parsed.data);
}
