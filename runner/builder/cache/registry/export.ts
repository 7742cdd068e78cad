import { createReadStream } from 'node:fs';
import type { RegistryClient } from '../../../oci/index.js';
import { type Descriptor, digestOf, type ImageStore, MediaType, parseReference } from '../../../oci/index.js';
import type { CacheEntry } from '../store/entry.js';
import { CACHE_CONFIG_MEDIA_TYPE, serialiseCacheConfig } from './format.js';

/**
 * Pushes `entries` as a registry cache to `reference` (tag default `latest`): every layer blob
 * the entries name (skipped when the registry has it), the config blob, then the manifest.
 * Replaces what the tag held (the new manifest lists this build's entries). Returns the
 * manifest digest.
 */
export async function exportCache(
  registry: RegistryClient,
  store: ImageStore,
  reference: string,
  entries: Map<string, CacheEntry>,
): Promise<string> {
  const ref = parseReference(reference);
  const layers = new Map<string, Descriptor>();
  for (const e of entries.values()) if (e.layer) layers.set(e.layer.descriptor.digest, e.layer.descriptor);
  const ordered = [...layers.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  for (const desc of ordered) {
    const path = await store.content.blobPath(desc.digest);
    await registry.pushBlob(ref, desc, () => createReadStream(path, { highWaterMark: 1 << 20 }));
  }
  const configBytes = serialiseCacheConfig(entries);
  const config: Descriptor = {
    mediaType: CACHE_CONFIG_MEDIA_TYPE,
    digest: digestOf(configBytes),
    size: configBytes.length,
  };
  await registry.pushBlob(ref, config, async function* () {
    yield configBytes;
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: ordered.map((d) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size })),
    }),
  );
  return registry.putManifest(ref, ref.tag ?? ref.digest ?? 'latest', MediaType.ociManifest, manifest);
}
