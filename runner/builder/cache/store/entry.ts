import { z } from 'zod';
import type { StageConfigState } from '../../config/apply.js';
import type { LayerRef } from '../../engine/workspace.js';

/**
 * One build cache entry: what an instruction produced — its layer (none for metadata-only
 * instructions) and the stage's config state after it (image config with history and
 * rootfs.diff_ids, plus whether CMD was set in the stage). The same JSON is used locally and
 * inside the registry cache's config blob.
 */
export interface CacheEntry {
  layer: LayerRef | null;
  state: StageConfigState;
}

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const descriptor = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
});

/** Validates an entry read from disk or a registry (untrusted when it comes from a registry). */
export const cacheEntrySchema = z.object({
  layer: z.object({ descriptor, diffID: digest }).nullable(),
  state: z.object({
    cmdSet: z.boolean(),
    image: z
      .object({
        architecture: z.string(),
        os: z.string(),
        config: z.record(z.string(), z.unknown()),
        rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digest) }),
        history: z.array(z.record(z.string(), z.unknown())),
      })
      .passthrough(),
  }),
});

export function parseCacheEntry(value: unknown): CacheEntry | undefined {
  // Validate, but keep the value as read: zod would reorder keys and change the config's bytes.
  return cacheEntrySchema.safeParse(value).success ? (value as CacheEntry) : undefined;
}

export const cacheKeySchema = z.string().regex(/^sha256:[a-f0-9]{64}$/);
