import { SlipwayError } from '../../lib/errors.js';
import { type ImageConfig, type ImageManifest, parseImageConfig, parseManifest } from './manifest.js';
import type { PullProgress } from './pull.js';
import { formatReference, parseReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import type { Descriptor, Digest, ImageStore } from './types.js';

/** One layer of a stored image: its blob and the digest of its uncompressed tar. */
export interface ImageLayer {
  descriptor: Descriptor;
  diffID: Digest;
}

/** An image whose manifest and config are in the store, checked by their zod schemas. */
export interface StoredImage {
  /** The normalised reference. */
  ref: string;
  manifestDigest: Digest;
  manifest: ImageManifest;
  configDigest: Digest;
  /** The image config (untrusted shape checked; unknown fields kept). */
  config: ImageConfig;
  /** Bottom first, each with its diffID from `rootfs.diff_ids`. */
  layers: ImageLayer[];
}

/** A registry client, or a function making one on first use (so no HTTP stack loads until needed). */
export type RegistrySource = RegistryClient | (() => Promise<RegistryClient>);

/**
 * Reads image `reference` from the store; undefined when the store has no such ref. Throws a
 * permanent error naming the image when the ref points at an index or the manifest or config
 * is malformed. Pure read: pulls nothing, holds nothing.
 */
export async function readImage(store: ImageStore, reference: string): Promise<StoredImage | undefined> {
  const ref = formatReference(parseReference(reference));
  const target = await store.getRef(ref);
  if (!target) return undefined;
  const parsed = parseManifest(await store.content.read(target.digest), target.mediaType, ref);
  if (parsed.kind !== 'manifest')
    throw new SlipwayError(`${ref} points at an index, not an image`, {
      category: 'permanent',
      context: { image: ref },
    });
  const manifest = parsed.manifest;
  const config = parseImageConfig(
    await store.content.read(manifest.config.digest),
    manifest.layers.length,
    ref,
  );
  const layers = manifest.layers.map((d, i) => ({
    descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size },
    diffID: config.rootfs.diff_ids[i]!,
  }));
  return {
    ref,
    manifestDigest: target.digest,
    manifest,
    configDigest: manifest.config.digest,
    config,
    layers,
  };
}

const pulling = new WeakMap<ImageStore, Map<string, Promise<unknown>>>();

/**
 * The image `reference` from the store, pulled first when the store has no such ref (so a
 * locally built or seeded image needs no registry, and `registry` is only asked for then).
 * Concurrent calls for one ref on one store share one pull. Pull failures propagate as they are
 * (temporary or permanent SlipwayErrors).
 */
export async function ensureImage(
  store: ImageStore,
  registry: RegistrySource,
  reference: string,
  onProgress?: (p: PullProgress) => void,
): Promise<StoredImage> {
  const ref = formatReference(parseReference(reference));
  const present = await readImage(store, ref);
  if (present) return present;
  let inFlight = pulling.get(store);
  if (!inFlight) {
    inFlight = new Map();
    pulling.set(store, inFlight);
  }
  let pending = inFlight.get(ref);
  if (!pending) {
    pending = (async () => {
      const { pull } = await import('./pull.js');
      await pull(typeof registry === 'function' ? await registry() : registry, store, ref, { onProgress });
    })().finally(() => inFlight.delete(ref));
    inFlight.set(ref, pending);
  }
  await pending;
  const pulled = await readImage(store, ref);
  if (!pulled)
    throw new SlipwayError(`image ${ref} is not in the store after pulling it`, { context: { image: ref } });
  return pulled;
}
