import { z } from 'zod';
import { type CacheEntry, cacheEntrySchema, cacheKeySchema } from '../store/entry.js';

/**
 * The registry cache format (see runner/builder/README.md): an OCI image manifest whose config
 * blob (media type CACHE_CONFIG_MEDIA_TYPE) maps cache keys to entries, and whose layers are
 * every layer blob an entry names, pushed to the same repository — so the registry keeps them
 * and a pull of the manifest's blobs is all another host needs.
 */
export const CACHE_CONFIG_MEDIA_TYPE = 'application/vnd.slipway.build-cache.config.v1+json';
export const CACHE_FORMAT_VERSION = 'slipway-build-cache-v2';
/** Versions this code reads no entries from (another entry shape): every key a miss, not an error. */
const OTHER_VERSION = /^slipway-build-cache-v\d+$/;
/** The config blob is read into memory: refuse anything absurdly large. */
export const MAX_CACHE_CONFIG_BYTES = 64 * 1024 * 1024;

export interface CacheConfig {
  version: typeof CACHE_FORMAT_VERSION;
  entries: Record<string, CacheEntry>;
}

const configSchema = z.object({
  version: z.literal(CACHE_FORMAT_VERSION),
  entries: z.record(cacheKeySchema, cacheEntrySchema),
});

/**
 * Parses an untrusted cache config blob; throws with a clear message when it is not one. A cache
 * of another format version holds no usable entries: it parses as empty.
 */
export function parseCacheConfig(bytes: Uint8Array, what: string): CacheConfig {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error(`${what}: the cache config is not JSON`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'string' && version !== CACHE_FORMAT_VERSION && OTHER_VERSION.test(version))
    return { version: CACHE_FORMAT_VERSION, entries: {} };
  const r = configSchema.safeParse(json);
  if (!r.success) throw new Error(`${what}: not a Slipway build cache: ${z.prettifyError(r.error)}`);
  // the validated JSON as read: zod would reorder keys and change the image config's bytes
  return json as CacheConfig;
}

/** Serialises a cache config with keys sorted (same entries → same bytes). */
export function serialiseCacheConfig(entries: Map<string, CacheEntry>): Buffer {
  const sorted: Record<string, CacheEntry> = {};
  for (const k of [...entries.keys()].sort()) sorted[k] = entries.get(k)!;
  return Buffer.from(JSON.stringify({ version: CACHE_FORMAT_VERSION, entries: sorted }));
}
