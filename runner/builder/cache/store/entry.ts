import { z } from 'zod';
import { type ConfigChange, configChangeSchema, historyEntrySchema } from '../../config/change.js';
import type { HistoryEntry } from '../../config/types.js';
import type { LayerRef } from '../../engine/workspace.js';

/**
 * One build cache entry: what an instruction produced — its layer (none for metadata-only
 * instructions), the config change it made and its history entry. Only what this instruction
 * changed, never the config before it: the stage's config is rebuilt by applying the entries of
 * its key chain in order, so an entry stays a few hundred bytes however long the Dockerfile.
 * The same JSON is used locally and inside the registry cache's config blob.
 */
export interface CacheEntry {
  layer: LayerRef | null;
  change: ConfigChange;
  history: HistoryEntry;
}

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const descriptor = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
});

/** Validates an entry read from disk or a registry (untrusted when it comes from a registry). */
export const cacheEntrySchema = z
  .object({
    layer: z.object({ descriptor, diffID: digest }).nullable(),
    change: configChangeSchema,
    history: historyEntrySchema,
  })
  .strict();

/** The entry, or undefined when `value` is not one (an older entry shape is a miss). */
export function parseCacheEntry(value: unknown): CacheEntry | undefined {
  // Validate, but keep the value as read: zod would reorder keys and change the config's bytes.
  return cacheEntrySchema.safeParse(value).success ? (value as CacheEntry) : undefined;
}

export const cacheKeySchema = z.string().regex(/^sha256:[a-f0-9]{64}$/);
