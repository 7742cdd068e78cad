import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import type { ContentStore, Descriptor, Digest } from '../types.js';
import { digestHex } from './digest.js';
import { tmpName } from './tmpnames.js';

const metaSchema = z.object({
  diffID: z.string(),
  digest: z.string(),
  size: z.number(),
  entries: z.number(),
});
export type LayerMeta = z.infer<typeof metaSchema>;

/**
 * Unpacked layers at `<dataDir>/layers/<diffID hex>/`: `rootfs/` is the overlayfs lower dir,
 * `layer.json` records the blob it came from and its size. A layer is unpacked into
 * `<dataDir>/tmp/unpack-<pid>-<rand>/` and renamed into place whole, so a layer dir that exists
 * is complete. Concurrent unpacks of one diffID share a promise in this process; across
 * processes the loser of the rename drops its copy and uses the winner's. layer.json's mtime
 * is the layer's last use, read by LRU eviction.
 */
export class LayerStore {
  readonly dir: string;
  private readonly inflight = new Map<Digest, Promise<string>>();

  constructor(
    dataDir: string,
    private readonly tmpDir: string,
    private readonly content: ContentStore,
  ) {
    this.dir = join(dataDir, 'layers');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private rootfsOf(diffID: Digest): string {
    return join(this.dir, digestHex(diffID, { diffID }), 'rootfs');
  }

  /** The rootfs of an unpacked layer (marking it used), or undefined. */
  /**
   * Writes `meta` into the finished layer dir `work` and renames it into place. When another
   * process finished the same diffID first, its copy stays and `work` is left for the caller
   * to remove.
   */
  private async publish(work: string, meta: LayerMeta): Promise<void> {
    await writeFile(join(work, 'layer.json'), JSON.stringify(meta));
    try {
      await rename(work, join(this.dir, digestHex(meta.diffID)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  }

  async find(diffID: Digest): Promise<string | undefined> {
    const meta = join(this.dir, digestHex(diffID, { diffID }), 'layer.json');
    try {
      const now = new Date();
      await utimes(meta, now, now);
      return this.rootfsOf(diffID);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** diffIDs whose unpack is running in this process (GC treats them as held). */
  unpacking(): Digest[] {
    return [...this.inflight.keys()];
  }

  unpack(layer: Descriptor, diffID: Digest): Promise<string> {
    digestHex(diffID, { diffID });
    digestHex(layer.digest, { digest: layer.digest });
    let p = this.inflight.get(diffID);
    if (!p) {
      p = this.unpackOnce(layer, diffID).finally(() => this.inflight.delete(diffID));
      this.inflight.set(diffID, p);
    }
    return p;
  }

  private async unpackOnce(layer: Descriptor, diffID: Digest): Promise<string> {
    const existing = await this.find(diffID);
    if (existing) return existing;
    const blob = await this.content.blobPath(layer.digest);
    const work = join(this.tmpDir, tmpName('unpack'));
    await mkdir(join(work, 'rootfs'), { recursive: true });
    try {
      // Loaded on first use: opening a store (a fully cached build) needs no tar code.
      const { unpackLayerStream } = await import('../layer/unpack.js');
      const result = await unpackLayerStream(
        createReadStream(blob, { highWaterMark: 1 << 20 }),
        join(work, 'rootfs'),
        {
          digest: layer.digest,
          diffID,
        },
      );
      await this.publish(work, { diffID, digest: layer.digest, size: result.size, entries: result.entries });
      const dir = await this.find(diffID);
      if (!dir)
        throw new SlipwayError(`layer ${diffID} vanished right after unpack`, {
          category: 'temporary',
          context: { diffID, digest: layer.digest },
        });
      return dir;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Takes the directory `rootfs` (on the store's filesystem, owned by the caller until now) as
   * the unpacked form of `layer`/`diffID` without reading the blob: the caller guarantees it is
   * exactly what unpacking the blob would produce (see packLayer's `normalise`). The dir is
   * moved, never copied; when the layer is already present the existing copy is kept and
   * `rootfs` is left to the caller. Returns the layer's rootfs, or undefined when the move is
   * impossible (another filesystem) — then unpackLayer works as before.
   */
  async adopt(
    rootfs: string,
    layer: Descriptor,
    diffID: Digest,
    stats: { size: number; entries: number },
  ): Promise<string | undefined> {
    digestHex(layer.digest, { digest: layer.digest });
    const existing = await this.find(diffID);
    if (existing) return existing;
    const work = join(this.tmpDir, tmpName('adopt'));
    await mkdir(work, { recursive: true });
    try {
      try {
        await rename(rootfs, join(work, 'rootfs'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EXDEV') return undefined;
        throw err;
      }
      await this.publish(work, { diffID, digest: layer.digest, ...stats });
      return await this.find(diffID);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Every unpacked layer with its metadata and last-use time. */
  async list(): Promise<Array<LayerMeta & { usedAt: number }>> {
    const out: Array<LayerMeta & { usedAt: number }> = [];
    for (const name of await readdir(this.dir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const file = join(this.dir, name, 'layer.json');
      try {
        const meta = metaSchema.parse(JSON.parse(await readFile(file, 'utf8')));
        out.push({ ...meta, usedAt: (await stat(file)).mtimeMs });
      } catch {
        // removed concurrently, or not ours: leave it alone
      }
    }
    return out;
  }

  /** Removes an unpacked layer: renamed out of view first (atomic), then deleted. */
  async remove(diffID: Digest): Promise<void> {
    const trash = join(this.tmpDir, tmpName('trash'));
    try {
      await rename(join(this.dir, digestHex(diffID)), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }
}
