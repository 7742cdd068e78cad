import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type PackedLayer, packLayer } from '../../oci/layer/pack.js';
import type { Descriptor, Digest, ImageStore } from '../../oci/types.js';
import { mountOverlay, unmountOverlay } from '../../runtime/overlay.js';

/** A layer of a stage: the stored blob and its uncompressed digest. */
export interface LayerRef {
  descriptor: Descriptor;
  diffID: Digest;
}

/** A mounted writable root fs: `merged` is the view, `upper` collects the writes. */
export interface MountedRoot {
  merged: string;
  upper: string;
}

/**
 * The scratch space of one build at `<dataDir>/build/<id>`: overlay mounts for RUN and COPY,
 * secrets, temp files. Owns the holds on every layer it unpacks. `close()` unmounts anything
 * left, removes the directory and releases the holds; idempotent.
 */
export class BuildWorkspace {
  private seq = 0;
  private readonly releases: Array<() => Promise<void>> = [];

  constructor(
    readonly store: ImageStore,
    readonly dir: string,
    readonly sourceDateEpoch: number | undefined,
  ) {}

  static async create(store: ImageStore, dir: string, sde: number | undefined): Promise<BuildWorkspace> {
    await mkdir(join(dir, 'empty'), { recursive: true });
    return new BuildWorkspace(store, dir, sde);
  }

  /** A fresh directory inside the workspace. */
  async tempDir(prefix: string): Promise<string> {
    const d = join(this.dir, `${prefix}-${++this.seq}`);
    await mkdir(d, { recursive: true });
    return d;
  }

  /** Unpacked dirs of `layers` (bottom first), held until close(); an empty dir for none. */
  async lowerDirs(layers: LayerRef[]): Promise<string[]> {
    if (layers.length === 0) return [join(this.dir, 'empty')];
    this.releases.push(await this.store.hold(layers.map((l) => l.diffID)));
    const dirs: string[] = [];
    for (const l of layers) dirs.push(await this.store.unpackLayer(l.descriptor, l.diffID));
    return dirs;
  }

  /**
   * Mounts `layers` with a fresh upper dir, runs `fn`, and unmounts and removes everything
   * afterwards (on every path). With `commit`, the upper dir is packed into a layer first.
   */
  async withRoot<T>(
    layers: LayerRef[],
    fn: (root: MountedRoot) => Promise<T>,
    commit: true,
  ): Promise<{ value: T; layer: LayerRef }>;
  async withRoot<T>(layers: LayerRef[], fn: (root: MountedRoot) => Promise<T>, commit?: false): Promise<T>;
  async withRoot<T>(
    layers: LayerRef[],
    fn: (root: MountedRoot) => Promise<T>,
    commit = false,
  ): Promise<T | { value: T; layer: LayerRef }> {
    const lower = await this.lowerDirs(layers);
    const dir = join(this.dir, `ovl-${++this.seq}`);
    try {
      const { merged } = await mountOverlay(dir, lower);
      const root = { merged, upper: join(dir, 'u') };
      const value = await fn(root);
      if (!commit) return value;
      const packed = await this.pack(root.upper);
      return { value, layer: { descriptor: packed.descriptor, diffID: packed.diffID } };
    } finally {
      await unmountOverlay(dir);
    }
  }

  /** Packs an overlay upper dir into a layer in the content store. */
  pack(upper: string): Promise<PackedLayer> {
    return packLayer(upper, this.store.content, { upper: true, sourceDateEpoch: this.sourceDateEpoch });
  }

  async close(): Promise<void> {
    for (const release of this.releases.splice(0)) await release().catch(() => {});
    await unmountOverlay(this.dir).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
