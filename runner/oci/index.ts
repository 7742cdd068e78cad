/**
 * runner/oci — images: references, manifests, the content and image store, the registry
 * client, pull and push, layer pack/unpack. This is the module's public face: other modules
 * import only from here. Heavy parts (the HTTP stack, tar coding) load on first use: the
 * functions below that wrap them are async and import their implementation lazily, so a fully
 * cached build or `slipway images` loads neither.
 */
import type { PackedLayer, PackOptions } from './layer/pack.js';
import type { PulledImage, PullOptions } from './pull.js';
import type { PushOptions } from './push.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient, RegistryClientOptions } from './registry/client.js';
import type { ContentStore, Descriptor, ImageStore } from './types.js';

export { artifactLayer, putArtifact } from './artifact.js';
export { pullDirArtifact, pushDirArtifact } from './dir-artifact.js';
export { ensureImage, type ImageLayer, type RegistrySource, readImage, type StoredImage } from './image.js';
export { type ImageSummary, listImages } from './images.js';
export { normaliseEntryName } from './layer/safe-tree.js';
export {
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type ParsedManifest,
  parseImageConfig,
  parseManifest,
  verifyDigest,
} from './manifest.js';
export type { PulledImage, PullOptions, PullProgress } from './pull.js';
export type { PushOptions, PushProgress } from './push.js';
export {
  DEFAULT_REGISTRY,
  formatReference,
  type ImageReference,
  manifestSelector,
  normalizeReference,
  parseReference,
  parseRepository,
} from './reference.js';
export type { RegistryClient, RegistryClientOptions } from './registry/client.js';
export type { Credential, CredentialLookup } from './registry/credential.js';
export type { HostOnlyPolicy } from './registry/host-only.js';
export { normalizeRegistryHost, updateSlipwayAuth } from './registry/slipway-auth.js';
export { digestOf } from './store/digest.js';
export { type ImageStoreOptions, openImageStore } from './store/index.js';
export {
  type ContentStore,
  type Descriptor,
  type Digest,
  type ImageStore,
  MediaType,
  type Platform,
} from './types.js';

/**
 * A registry client. With `dataDir` and no `credentials`, credentials come from
 * `<dataDir>/auth.json`, then Docker's config. Clients are cheap; keep one per process.
 */
export async function openRegistryClient(
  opts: RegistryClientOptions & { dataDir?: string } = {},
): Promise<RegistryClient> {
  const [{ RegistryClient }, { dataDirCredentials }] = await Promise.all([
    import('./registry/client.js'),
    import('./registry/credentials.js'),
  ]);
  const { dataDir, ...rest } = opts;
  const credentials = rest.credentials ?? (dataDir ? dataDirCredentials(dataDir) : undefined);
  return new RegistryClient({ ...rest, ...(credentials ? { credentials } : {}) });
}

/** Pulls `reference` into `store` (see pull.ts); the store's ref is set last. */
export async function pull(
  registry: RegistryClient,
  store: ImageStore,
  reference: string,
  opts?: PullOptions,
): Promise<PulledImage> {
  return (await import('./pull.js')).pull(registry, store, reference, opts);
}

/** Pushes image `src` of `store` to `dst` (default: `src`); see push.ts. */
export async function push(
  registry: RegistryClient,
  store: ImageStore,
  src: string,
  dst?: string | ImageReference,
  opts?: PushOptions,
): Promise<Descriptor> {
  return (await import('./push.js')).push(registry, store, src, dst, opts);
}

/** Packs directory `dir` into a layer blob in `content` (see layer/pack.ts). */
export async function packLayer(
  dir: string,
  content: ContentStore,
  opts?: PackOptions,
): Promise<PackedLayer> {
  return (await import('./layer/pack.js')).packLayer(dir, content, opts);
}

/** The bytes of a gzip, zstd or uncompressed stream, uncompressed. */
export async function* decompressed(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* (await import('./layer/decompress.js')).decompressed(source);
}
