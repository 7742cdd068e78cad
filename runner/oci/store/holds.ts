import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../../../lib/proc.js';
import type { Digest } from '../types.js';
import { tmpName } from './tmpnames.js';

const markerSchema = z.object({ pid: z.number().int(), diffIDs: z.array(z.string()) });

/**
 * Layers in use. In this process: a count per diffID. For other processes sharing the data dir:
 * one marker file per hold at `<dataDir>/holds/<pid>-<rand>.json`, removed on release. GC
 * honours markers of live pids and deletes those of dead ones (a crashed runner's holds end
 * with it).
 */
export class HoldRegistry {
  private readonly counts = new Map<Digest, number>();
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly tmpDir: string,
  ) {
    this.dir = join(dataDir, 'holds');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Holds `diffIDs` until the returned function is called (calling it twice is harmless). */
  async hold(diffIDs: Digest[]): Promise<() => Promise<void>> {
    const name = tmpName('hold');
    const marker = join(this.dir, `${name}.json`);
    for (const id of diffIDs) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    try {
      // temp + rename: another process's GC never reads a half-written marker
      const tmp = join(this.tmpDir, name);
      await writeFile(tmp, JSON.stringify({ pid: process.pid, diffIDs }));
      await rename(tmp, marker);
    } catch (err) {
      this.drop(diffIDs);
      throw err;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.drop(diffIDs);
      await unlink(marker).catch(() => {});
    };
  }

  private drop(diffIDs: Digest[]): void {
    for (const id of diffIDs) {
      const n = (this.counts.get(id) ?? 0) - 1;
      if (n > 0) this.counts.set(id, n);
      else this.counts.delete(id);
    }
  }

  /** Every diffID held by this process or by a live process's marker. */
  async held(): Promise<Set<Digest>> {
    const out = new Set<Digest>(this.counts.keys());
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name);
      let marker: z.infer<typeof markerSchema>;
      try {
        marker = markerSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      } catch {
        continue; // removed while we read it
      }
      if (marker.pid !== process.pid && !processAlive(marker.pid)) {
        await unlink(file).catch(() => {});
        continue;
      }
      for (const id of marker.diffIDs) out.add(id);
    }
    return out;
  }
}
