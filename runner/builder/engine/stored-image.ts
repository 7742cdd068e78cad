import { parseImageConfig, parseManifest } from '../../oci/manifest.js';
import { formatReference, parseReference } from '../../oci/reference.js';
import type { RegistryClient } from '../../oci/registry/client.js';
import type { ImageStore } from '../../oci/types.js';
import type { ImageConfig } from '../config/types.js';
import type { StoredImage } from './context.js';
import { BuildFailure } from './errors.js';

/**
 * Reads image `reference` from the store, pulling it first when the store has no such ref
 * (a locally built or seeded image needs no registry; `registry` is only asked for then). The
 * config is normalised to the shape the builder evolves (config object, history list).
 */
export async function loadImage(
  store: ImageStore,
  registry: RegistryClient | (() => Promise<RegistryClient>),
  reference: string,
): Promise<StoredImage> {
  const ref = formatReference(parseReference(reference));
  let target = await store.getRef(ref);
  if (!target) {
    const { pull } = await import('../../oci/pull.js');
    await pull(typeof registry === 'function' ? await registry() : registry, store, ref);
    target = await store.getRef(ref);
  }
  if (!target) throw new BuildFailure(`image ${ref} is not in the store after pulling it`);
  const parsed = parseManifest(await store.content.read(target.digest), target.mediaType, ref);
  if (parsed.kind !== 'manifest') throw new BuildFailure(`${ref} points at an index, not an image`);
  const m = parsed.manifest;
  const raw = parseImageConfig(await store.content.read(m.config.digest), m.layers.length, ref);
  const config = {
    ...raw,
    architecture: raw.architecture ?? 'amd64',
    os: raw.os ?? 'linux',
    config: (raw.config ?? {}) as ImageConfig['config'],
    history: Array.isArray(raw.history) ? raw.history : [],
  } as unknown as ImageConfig;
  const layers = m.layers.map((d, i) => ({
    descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size },
    diffID: raw.rootfs.diff_ids[i]!,
  }));
  return { ref, manifestDigest: target.digest, configDigest: m.config.digest, config, layers };
}
