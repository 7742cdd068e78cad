import type { ImageStore } from '../../oci/index.js';
import { ensureImage, type RegistrySource } from '../../oci/index.js';
import type { ImageConfig } from '../config/types.js';
import type { StoredImage } from './context.js';

/**
 * A base or `--from` image for the builder: `ensureImage` (the store's copy, pulled only when
 * the ref is missing), with its config normalised to the shape the builder evolves (config
 * object, history list, architecture and os filled in).
 */
export async function loadImage(
  store: ImageStore,
  registry: RegistrySource,
  reference: string,
): Promise<StoredImage> {
  const image = await ensureImage(store, registry, reference);
  const raw = image.config;
  const config = {
    ...raw,
    architecture: raw.architecture ?? 'amd64',
    os: raw.os ?? 'linux',
    config: (raw.config ?? {}) as ImageConfig['config'],
    history: Array.isArray(raw.history) ? raw.history : [],
  } as unknown as ImageConfig;
  const { ref, manifestDigest, configDigest, layers } = image;
  return { ref, manifestDigest, configDigest, config, layers };
}
