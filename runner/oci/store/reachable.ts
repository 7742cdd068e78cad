import { z } from 'zod';
import { log } from '../../../lib/log.js';
import { type ContentStore, type Descriptor, type Digest, MediaType } from '../types.js';

const logger = log.child({ module: 'oci/store/gc' });

const descriptor = z.object({ mediaType: z.string().optional(), digest: z.string(), size: z.number() });
const manifestLike = z.object({
  manifests: z.array(descriptor).optional(),
  config: descriptor.optional(),
  layers: z.array(descriptor).optional(),
});
const configLike = z.object({ rootfs: z.object({ diff_ids: z.array(z.string()) }).optional() });

const MANIFEST_TYPES = new Set<string>([
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
]);

/** What a set of root descriptors keeps alive: blob digests and the diffIDs of their layers. */
export interface Reachable {
  blobs: Set<Digest>;
  diffIDs: Set<Digest>;
}

/**
 * Walks index → manifests → config + layers from `roots`, reading only blobs that are
 * present (an index may name platforms that were never pulled). Unparseable manifests are
 * logged and treated as leaves, so a bad blob never makes GC delete more.
 */
export async function reachableFrom(content: ContentStore, roots: Descriptor[]): Promise<Reachable> {
  const out: Reachable = { blobs: new Set(), diffIDs: new Set() };
  const queue: Array<{
    digest: Digest;
    mediaType?: string | undefined;
    kind: 'manifest' | 'config' | 'blob';
  }> = roots.map((d) => ({ digest: d.digest, mediaType: d.mediaType, kind: 'manifest' }));
  while (queue.length > 0) {
    const item = queue.shift()!;
    if (out.blobs.has(item.digest)) continue;
    out.blobs.add(item.digest);
    if (item.kind === 'blob' || !(await content.has(item.digest).catch(() => false))) continue;
    if (item.kind === 'manifest' && item.mediaType !== undefined && !MANIFEST_TYPES.has(item.mediaType))
      continue;
    try {
      const json: unknown = JSON.parse((await content.read(item.digest)).toString('utf8'));
      if (item.kind === 'config') {
        for (const id of configLike.parse(json).rootfs?.diff_ids ?? []) out.diffIDs.add(id);
        continue;
      }
      const m = manifestLike.parse(json);
      for (const d of m.manifests ?? [])
        queue.push({ digest: d.digest, mediaType: d.mediaType, kind: 'manifest' });
      if (m.config) queue.push({ digest: m.config.digest, kind: 'config' });
      for (const d of m.layers ?? []) queue.push({ digest: d.digest, kind: 'blob' });
    } catch (err) {
      logger.warn(
        { digest: item.digest, err },
        'unreadable manifest or config during GC; keeping it as a leaf',
      );
    }
  }
  return out;
}
