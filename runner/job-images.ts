import type { ImageStore, PullProgress } from './oci/index.js';
import { ensureImage, formatReference, parseReference, type RegistrySource, readImage } from './oci/index.js';
import type { ImageRuntimeConfig } from './runtime/index.js';
import { imageRuntimeConfig } from './runtime/index.js';

/** An image ready to be a container's root: its layer dirs held until `release()`. */
export interface ResolvedImage {
  ref: string;
  digest: string;
  /** Unpacked layer dirs, bottom first (ContainerSpec.lowerDirs order). */
  lowerDirs: string[];
  config: ImageRuntimeConfig;
  /** Whether it had to be pulled from its registry (false: it was in this host's store: built or pulled here before). */
  pulled: boolean;
  release(): Promise<void>;
}

/**
 * Turns image references into unpacked, held layer dirs. Pull policy (`ensureImage`): an image
 * whose reference is already in the store is used as it is (so locally built or imported images
 * need no registry); a missing one is pulled, concurrent resolves of one ref sharing one pull.
 * The image config is checked by `imageRuntimeConfig`: a wrongly typed field is a clear error.
 * The caller owns each result and calls `release()` when its containers are gone.
 */
export class ImageResolver {
  constructor(
    private readonly store: ImageStore,
    private readonly registry: RegistrySource,
    private readonly onPull?: (ref: string, p: PullProgress) => void,
  ) {}

  async resolve(reference: string): Promise<ResolvedImage> {
    const ref = formatReference(parseReference(reference));
    const present = await readImage(this.store, ref);
    const image =
      present ?? (await ensureImage(this.store, this.registry, ref, (p) => this.onPull?.(ref, p)));
    const config = imageRuntimeConfig(image.config.config, ref);
    const lowerDirs: string[] = [];
    for (const layer of image.layers)
      lowerDirs.push(await this.store.unpackLayer(layer.descriptor, layer.diffID));
    const release = await this.store.hold(image.layers.map((l) => l.diffID));
    return { ref, digest: image.manifestDigest, lowerDirs, config, pulled: !present, release };
  }
}
