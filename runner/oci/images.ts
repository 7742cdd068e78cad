import { parseManifest } from './manifest.js';
import type { ImageStore } from './types.js';

/** One row of `slipway images`: a ref, its manifest digest and the image's size (compressed blobs). */
export interface ImageSummary {
  ref: string;
  digest: string;
  size: number;
}

/**
 * Lists every ref in `store`, sorted, with the summed size of manifest, config and layers (the
 * bytes a registry would transfer). Refs whose manifest is missing show the manifest size only.
 */
export async function listImages(store: ImageStore): Promise<ImageSummary[]> {
  const rows: ImageSummary[] = [];
  for (const { ref, target } of await store.listRefs()) {
    let size = target.size;
    if (await store.content.has(target.digest)) {
      const parsed = parseManifest(await store.content.read(target.digest), target.mediaType, ref);
      if (parsed.kind === 'manifest')
        size += parsed.manifest.config.size + parsed.manifest.layers.reduce((n, l) => n + l.size, 0);
    }
    rows.push({ ref, digest: target.digest, size });
  }
  return rows.sort((a, b) => a.ref.localeCompare(b.ref));
}
