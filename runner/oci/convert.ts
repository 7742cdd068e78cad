import { SlipwayError } from '../../lib/errors.js';
import type { ImageManifest } from './manifest.js';
import { MediaType } from './types.js';

/** Manifest flavours `push` can write: OCI image manifest or Docker schema2. */
export type ManifestFormat = 'oci' | 'docker';

const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
const OCI_FOREIGN_LAYER = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';

const TO_DOCKER: Record<string, string> = {
  [MediaType.ociConfig]: MediaType.dockerConfig,
  [MediaType.ociLayerGzip]: MediaType.dockerLayerGzip,
  [MediaType.ociLayer]: DOCKER_LAYER_TAR,
  [OCI_FOREIGN_LAYER]: DOCKER_FOREIGN_LAYER,
};
const TO_OCI: Record<string, string> = Object.fromEntries(Object.entries(TO_DOCKER).map(([k, v]) => [v, k]));

/**
 * Rewrites the media types of a manifest (and of its config and layers) to `format`. Blob
 * bytes are unchanged, so only the manifest digest changes. Throws for layers the target
 * format cannot express (zstd in Docker schema2).
 */
export function convertManifest(
  manifest: ImageManifest,
  format: ManifestFormat,
  what: string,
): { mediaType: string; bytes: Buffer } {
  const table = format === 'docker' ? TO_DOCKER : TO_OCI;
  const mapType = (t: string) => {
    if (format === 'docker' ? t.startsWith('application/vnd.docker.') : t.startsWith('application/vnd.oci.'))
      return t;
    const mapped = table[t];
    if (!mapped)
      throw new SlipwayError(
        `${what}: media type ${t} has no ${format === 'docker' ? 'Docker schema2' : 'OCI'} equivalent`,
        {
          category: 'permanent',
        },
      );
    return mapped;
  };
  const mediaType = format === 'docker' ? MediaType.dockerManifest : MediaType.ociManifest;
  const converted = {
    schemaVersion: 2,
    mediaType,
    config: { ...manifest.config, mediaType: mapType(manifest.config.mediaType) },
    layers: manifest.layers.map((l) => ({ ...l, mediaType: mapType(l.mediaType) })),
    ...(format === 'oci' && manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
  return { mediaType, bytes: Buffer.from(JSON.stringify(converted)) };
}
