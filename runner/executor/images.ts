import { SlipwayError } from '../../lib/errors.js';
import { parseImageConfig, parseManifest } from '../oci/manifest.js';
import { type PullProgress, pull } from '../oci/pull.js';
import { formatReference, parseReference } from '../oci/reference.js';
import type { RegistryClient } from '../oci/registry/client.js';
import type { ImageStore } from '../oci/types.js';
import type { ImageRuntimeConfig } from '../runtime/types.js';

/** An image ready to be a container's root: its layer dirs held until `release()`. */
export interface ResolvedImage {
  ref: string;
  digest: string;
  /** Unpacked layer dirs, bottom first (ContainerSpec.lowerDirs order). */
  lowerDirs: string[];
  config: ImageRuntimeConfig;
  release(): Promise<void>;
}

/**
 * Turns image references into unpacked, held layer dirs. Pull policy: an image whose
 * reference is already in the store is used as it is (so locally built or imported images need
 * no registry); a missing one is pulled. Concurrent resolves of one ref share one pull.
 */
export class ImageResolver {
  private readonly pulling = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ImageStore,
    private readonly registry: RegistryClient,
    private readonly onPull?: (ref: string, p: PullProgress) => void,
  ) {}

  async resolve(reference: string): Promise<ResolvedImage> {
    const ref = formatReference(parseReference(reference));
    let target = await this.store.getRef(ref);
    if (!target) {
      let pending = this.pulling.get(ref);
      if (!pending) {
        pending = pull(this.registry, this.store, ref, {
          onProgress: (p) => this.onPull?.(ref, p),
        }).finally(() => this.pulling.delete(ref));
        this.pulling.set(ref, pending);
      }
      await pending;
      target = await this.store.getRef(ref);
    }
    if (!target)
      throw new SlipwayError(`image ${ref} is not in the store after pulling it`, {
        context: { image: ref },
      });
    const parsed = parseManifest(await this.store.content.read(target.digest), target.mediaType, ref);
    if (parsed.kind !== 'manifest') throw new SlipwayError(`${ref} points at an index, not an image`);
    const { manifest } = parsed;
    const config = parseImageConfig(
      await this.store.content.read(manifest.config.digest),
      manifest.layers.length,
      ref,
    );
    const diffIDs = config.rootfs.diff_ids;
    const lowerDirs: string[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      lowerDirs.push(await this.store.unpackLayer(layer, diffIDs[i]!));
    }
    const release = await this.store.hold(diffIDs);
    return { ref, digest: target.digest, lowerDirs, config: runtimeConfig(config.config), release };
  }
}

function runtimeConfig(c: Record<string, unknown> | null | undefined): ImageRuntimeConfig {
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  return {
    Env: strings(c?.Env),
    User: typeof c?.User === 'string' ? c.User : undefined,
    WorkingDir: typeof c?.WorkingDir === 'string' ? c.WorkingDir : undefined,
    Entrypoint: strings(c?.Entrypoint) ?? null,
    Cmd: strings(c?.Cmd) ?? null,
  };
}
