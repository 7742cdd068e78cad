import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';

/** A JSON value under `key`, validated with `schema`; undefined when the key is absent. */
export async function readJson<S extends z.ZodType>(
  redis: Redis,
  key: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const text = await redis.get(key);
  return text === null ? undefined : parse(key, text, schema);
}

/** Several JSON values at once (absent keys are left out). */
export async function readJsonMany<S extends z.ZodType>(
  redis: Redis,
  keys: string[],
  schema: S,
): Promise<z.infer<S>[]> {
  if (keys.length === 0) return [];
  const texts = await redis.mget(...keys);
  const out: z.infer<S>[] = [];
  texts.forEach((t, i) => {
    if (t !== null) out.push(parse(keys[i] as string, t, schema));
  });
  return out;
}

/** SET key new only if its value is still old (a compare-and-set on one shared connection). */
const CAS_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

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
): Promise<{ value: z.infer<S>; changed: boolean } | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const text = await redis.get(key);
    if (text === null) return undefined;
    const current = parse(key, text, schema);
    const next = change(current);
    if (next === undefined) return { value: current, changed: false };
    const written = await redis.eval(CAS_SCRIPT, 1, key, text, JSON.stringify(schema.parse(next)));
    if (written === 1) return { value: next, changed: true };
  }
  throw new SlipwayError(`too much contention updating ${key}`, { category: 'temporary' });
}

function parse<S extends z.ZodType>(key: string, text: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new SlipwayError(
      `stored record ${key} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
      {
        category: 'internal',
      },
    );
  return parsed.data;
}
