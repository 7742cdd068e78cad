import type { ContentStore, Descriptor, Digest, ImageStore } from '../types.js';
import { FileContentStore } from './content.js';
import { collectGarbage } from './gc.js';
import { HoldRegistry } from './holds.js';
import { LayerStore } from './layers.js';
import { RefStore } from './refs.js';

export interface ImageStoreOptions {
  /** Size budget for blobs + unpacked layers in bytes; gc() evicts least recently used beyond it. */
  maxBytes?: number;
  /**
   * Unreferenced blobs and unheld, unreferenced layers younger than this survive gc() (default
   * 10 minutes), so a pull running in another process is not swept before it sets its ref.
   */
  gcGraceMs?: number;
}

/**
 * Opens (creating when needed) the image store of a runner data dir:
 * `blobs/sha256/`, `refs/`, `layers/`, `holds/`, `tmp/`. Cheap; nothing to close. Several
 * processes may open the same dir: blob writes, layer unpacks and ref updates are atomic
 * renames, and holds are visible to every process's gc().
 */
export async function openImageStore(dataDir: string, opts: ImageStoreOptions = {}): Promise<ImageStore> {
  const content = new FileContentStore(dataDir);
  const refs = new RefStore(dataDir, content.tmpDir);
  const layers = new LayerStore(dataDir, content.tmpDir, content);
  const holds = new HoldRegistry(dataDir, content.tmpDir);
  await content.init();
  await Promise.all([refs.init(), layers.init(), holds.init()]);
  return new LocalImageStore(content, refs, layers, holds, opts);
}

class LocalImageStore implements ImageStore {
  constructor(
    readonly content: FileContentStore,
    private readonly refs: RefStore,
    private readonly layers: LayerStore,
    private readonly holds: HoldRegistry,
    private readonly opts: ImageStoreOptions,
  ) {}

  setRef(ref: string, target: Descriptor): Promise<void> {
    return this.refs.set(ref, target);
  }

  getRef(ref: string): Promise<Descriptor | undefined> {
    return this.refs.get(ref);
  }

  deleteRef(ref: string): Promise<void> {
    return this.refs.delete(ref);
  }

  async listRefs(): Promise<Array<{ ref: string; target: Descriptor }>> {
    return (await this.refs.list()).map(({ ref, target }) => ({ ref, target }));
  }

  unpackLayer(layer: Descriptor, diffID: Digest): Promise<string> {
    return this.layers.unpack(layer, diffID);
  }

  adoptLayerDir(
    dir: string,
    layer: Descriptor,
    diffID: Digest,
    stats: { size: number; entries: number },
  ): Promise<string | undefined> {
    return this.layers.adopt(dir, layer, diffID, stats);
  }

  layerDir(diffID: Digest): Promise<string | undefined> {
    return this.layers.find(diffID);
  }

  hold(diffIDs: Digest[]): Promise<() => Promise<void>> {
    return this.holds.hold(diffIDs);
  }

  gc(): Promise<{ freedBytes: number; removed: number }> {
    return collectGarbage({
      content: this.content,
      refs: this.refs,
      layers: this.layers,
      holds: this.holds,
      graceMs: this.opts.gcGraceMs ?? 10 * 60_000,
      maxBytes: this.opts.maxBytes,
    });
  }
}

export type { ContentStore };
