import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../../lib/log.js';
import { processAlive } from '../../../lib/proc.js';
import type { Digest } from '../types.js';
import type { FileContentStore } from './content.js';
import type { HoldRegistry } from './holds.js';
import type { LayerStore } from './layers.js';
import { reachableFrom } from './reachable.js';
import type { RefStore } from './refs.js';
import { tmpNamePid } from './tmpnames.js';

const logger = log.child({ module: 'oci/store/gc' });

export interface GcParts {
  content: FileContentStore;
  refs: RefStore;
  layers: LayerStore;
  holds: HoldRegistry;
  /** Unreferenced blobs and layers younger than this are kept (a pull in another process may not have set its ref yet). */
  graceMs: number;
  /** Size budget in bytes (blobs + unpacked layers); undefined = no budget. */
  maxBytes: number | undefined;
}

/**
 * Mark and sweep, then the size budget.
 * 1. Keep: blobs reachable from refs, layers whose diffID a referenced image lists, held layers,
 *    layers being unpacked now, and anything younger than the grace period. Free the rest, and
 *    temp debris of dead processes.
 * 2. Over budget: evict unheld layers least recently used first (cheap to recreate from their
 *    blobs), then whole images (ref + blobs no other ref needs), least recently used first.
 */
export async function collectGarbage(p: GcParts): Promise<{ freedBytes: number; removed: number }> {
  let freedBytes = 0;
  let removed = 0;
  const cutoff = Date.now() - p.graceMs;
  const held = await p.holds.held();
  for (const id of p.layers.unpacking()) held.add(id);

  let refs = await p.refs.list();
  let live = await reachableFrom(
    p.content,
    refs.map((r) => r.target),
  );
  let blobs = await p.content.listWithTimes();
  for (const b of blobs) {
    if (live.blobs.has(b.digest) || b.usedAt > cutoff) continue;
    await p.content.delete(b.digest);
    freedBytes += b.size;
    removed++;
  }
  let layers = await p.layers.list();
  for (const l of layers) {
    if (held.has(l.diffID) || live.diffIDs.has(l.diffID) || l.usedAt > cutoff) continue;
    await p.layers.remove(l.diffID);
    freedBytes += l.size;
    removed++;
  }
  await sweepTmp(p.content.tmpDir);

  if (p.maxBytes === undefined) return { freedBytes, removed };
  blobs = await p.content.listWithTimes();
  layers = await p.layers.list();
  let total = blobs.reduce((n, b) => n + b.size, 0) + layers.reduce((n, l) => n + l.size, 0);
  const evictable = layers.filter((l) => !held.has(l.diffID)).sort((a, b) => a.usedAt - b.usedAt);
  for (const l of evictable) {
    if (total <= p.maxBytes) break;
    await p.layers.remove(l.diffID);
    logger.info({ diffID: l.diffID, size: l.size }, 'evicted unpacked layer (size budget)');
    total -= l.size;
    freedBytes += l.size;
    removed++;
  }
  refs = refs.sort((a, b) => a.usedAt - b.usedAt);
  while (total > p.maxBytes && refs.length > 0) {
    const victim = refs.shift()!;
    await p.refs.delete(victim.ref);
    logger.info({ image: victim.ref }, 'evicted image (size budget)');
    live = await reachableFrom(
      p.content,
      refs.map((r) => r.target),
    );
    const gone: Digest[] = [];
    for (const b of await p.content.listWithTimes()) {
      if (live.blobs.has(b.digest) || b.usedAt > cutoff) continue;
      await p.content.delete(b.digest);
      gone.push(b.digest);
      total -= b.size;
      freedBytes += b.size;
    }
    removed += gone.length + 1;
  }
  return { freedBytes, removed };
}

/** Removes temp files and dirs left by processes that no longer exist. */
async function sweepTmp(tmpDir: string): Promise<void> {
  for (const name of await readdir(tmpDir)) {
    const pid = tmpNamePid(name);
    if (pid !== undefined && (pid === process.pid || processAlive(pid))) continue;
    await rm(join(tmpDir, name), { recursive: true, force: true });
  }
}
