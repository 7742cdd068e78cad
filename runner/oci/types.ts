/**
 * OCI data types and the two storage seams of the runner (DESIGN.md): ContentStore holds blobs
 * by digest; ImageStore adds references and unpacked layers on top of it.
 */

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** `sha256:<64 hex>` */
export type Digest = string;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

/**
 * Blobs by digest. Writes are verified (digest and, when given, size) while streaming to a temp
 * file in the store and renamed into place only when they match, so a reader never sees a
 * partial or corrupt blob. Writing a blob that exists is a cheap no-op. Concurrent writers of
 * the same digest are safe (last rename wins, contents are identical).
 */
export interface ContentStore {
  has(digest: Digest): Promise<boolean>;
  /** Absolute path of a stored blob (for streaming reads); throws a clear error when absent. */
  blobPath(digest: Digest): Promise<string>;
  read(digest: Digest): Promise<Buffer>;
  /**
   * Streams `source` into the store. With `expected`, a digest or size mismatch throws a
   * permanent SlipwayError and leaves nothing behind. Returns the digest and size written.
   */
  write(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    expected?: { digest?: Digest; size?: number },
  ): Promise<{ digest: Digest; size: number }>;
  delete(digest: Digest): Promise<void>;
  list(): Promise<Array<{ digest: Digest; size: number }>>;
}

/**
 * References, unpacked layers and GC over a ContentStore. One per runner data dir; safe for
 * concurrent use by the jobs of one runner process.
 */
export interface ImageStore {
  readonly content: ContentStore;
  /** Points `ref` (a normalised reference string) at a manifest descriptor. */
  setRef(ref: string, target: Descriptor): Promise<void>;
  getRef(ref: string): Promise<Descriptor | undefined>;
  deleteRef(ref: string): Promise<void>;
  listRefs(): Promise<Array<{ ref: string; target: Descriptor }>>;
  /**
   * Unpacks the layer blob `digest` (gzip, zstd or plain tar) into its own overlayfs
   * lower-dir, once: later and concurrent calls for the same diffID return the same dir.
   * Verifies the uncompressed stream against `diffID`. Returns the absolute directory path.
   */
  unpackLayer(layer: Descriptor, diffID: Digest): Promise<string>;
  /**
   * Moves `dir` into the store as the unpacked form of `layer` (so unpackLayer needs no blob
   * read). The caller guarantees `dir` is exactly what unpacking would produce and that it is
   * on the store's filesystem; undefined when it cannot be moved. If the layer is already
   * present, `dir` stays the caller's. Returns the layer dir.
   */
  adoptLayerDir(
    dir: string,
    layer: Descriptor,
    diffID: Digest,
    stats: { size: number; entries: number },
  ): Promise<string | undefined>;
  /** The unpacked dir of `diffID` if present. */
  layerDir(diffID: Digest): Promise<string | undefined>;
  /**
   * Marks `diffIDs` as in use until the returned release function is called (containers hold
   * these while they run); GC never removes a held layer or the blobs of a referenced image.
   */
  hold(diffIDs: Digest[]): Promise<() => Promise<void>>;
  /** Removes everything not reachable from a ref and not held; returns bytes freed. */
  gc(): Promise<{ freedBytes: number; removed: number }>;
}
