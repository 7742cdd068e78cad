import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Descriptor, type Digest, type ImageStore, packLayer } from '../../oci/index.js';
import { mountOverlay, unmountOverlay } from '../../rootfs/index.js';

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
 * Runs on the unmounted upper dir of withRoot before it is packed, to take out what is not the
 * step's own change (e.g. directories copied up only for the runtime's mount points).
 */
export type TidyUpper = (upper: string) => Promise<void>;

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
   * afterwards (on every path). With `commit`, the upper dir is packed into a layer first
   * (after `commit`'s TidyUpper when it is one).
   */
  async withRoot<T>(
    layers: LayerRef[],
    fn: (root: MountedRoot) => Promise<T>,
    commit: true | TidyUpper,
  ): Promise<{ value: T; layer: LayerRef }>;
  async withRoot<T>(layers: LayerRef[], fn: (root: MountedRoot) => Promise<T>, commit?: false): Promise<T>;
  async withRoot<T>(
    layers: LayerRef[],
    fn: (root: MountedRoot) => Promise<T>,
    commit: boolean | TidyUpper = false,
  ): Promise<T | { value: T; layer: LayerRef }> {
    const lower = await this.lowerDirs(layers);
    const dir = join(this.dir, `ovl-${++this.seq}`);
    try {
      const { merged } = await mountOverlay(dir, lower);
      const root = { merged, upper: join(dir, 'u') };
      const value = await fn(root);
      if (!commit) return value;
      // The upper dir becomes the layer's unpacked dir: the overlay must be gone first.
      await unmountOverlay(merged);
      if (typeof commit === 'function') await commit(root.upper);
      return { value, layer: await this.commitDir(root.upper, true) };
    } finally {
      await unmountOverlay(dir);
    }
  }

  /**
   * Packs `dir` (an unmounted overlay upper dir when `upper`) into a layer in the content
   * store and moves `dir` into the layer store as that layer's unpacked dir, so no later step
   * unpacks the blob again. `dir` is consumed (moved, or left for the caller to remove).
   */
  async commitDir(dir: string, upper: boolean): Promise<LayerRef> {
    const packed = await packLayer(dir, this.store.content, {
      upper,
      sourceDateEpoch: this.sourceDateEpoch,
      normalise: true,
    });
    if (packed.adoptable) await this.store.adoptLayerDir(dir, packed.descriptor, packed.diffID, packed.stats);
    return { descriptor: packed.descriptor, diffID: packed.diffID };
  }

  async close(): Promise<void> {
    for (const release of this.releases.splice(0)) await release().catch(() => {});
    await unmountOverlay(this.dir).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
