/**
 * The last decoded value of each record key this process read or wrote, by its stored bytes:
 * a record read again unchanged (a run's other jobs, read at every job's end; the job record
 * a report updated last) is not inflated, parsed and validated again. A key whose bytes
 * differ (another server wrote it) is decoded anew, so the memo never serves a stale value.
 * Values are deep-frozen: callers get the same object, and one that tried to change it in
 * place would throw rather than change what the next reader sees. Bounded (least recently
 * used go first); process-local, nothing to clean up.
 */
const MAX_KEYS = 4096;

interface Entry {
  raw: Buffer;
  schema: unknown;
  value: unknown;
}

const entries = new Map<string, Entry>();

/** The value decoded from `raw` under `key` with `schema` earlier, if the bytes are the same. */
export function memoized(key: string, raw: Buffer, schema: unknown): unknown {
  const hit = entries.get(key);
  if (!hit || hit.schema !== schema || !hit.raw.equals(raw)) return undefined;
  entries.delete(key);
  entries.set(key, hit);
  return hit.value;
}

/** Remembers `value` as what `raw` under `key` decodes to with `schema`; returns it, frozen. */
export function memoize<T>(key: string, raw: Buffer | string, schema: unknown, value: T): T {
  entries.delete(key);
  entries.set(key, {
    raw: typeof raw === 'string' ? Buffer.from(raw) : raw,
    schema,
    value: deepFreeze(value),
  });
  if (entries.size > MAX_KEYS) entries.delete(entries.keys().next().value as string);
  return value;
}

/** `value` and everything in it frozen (in place); returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
