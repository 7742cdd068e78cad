import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { SlipwayError } from '../../lib/errors.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import type { Descriptor } from './types.js';

const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Tags an OCI artifact in `ref`'s repository: an image manifest of `artifactType` with the
 * empty config and one layer, `layer`, whose blob the caller has pushed. Replaces what `tag`
 * pointed at; readers see the old artifact or the new one. Returns the manifest's digest.
 */
export async function putArtifact(
  client: RegistryClient,
  ref: ImageReference,
  tag: string,
  artifactType: string,
  layer: Descriptor,
  annotations: Record<string, string> = {},
): Promise<string> {
  const config: Descriptor = {
    mediaType: EMPTY.mediaType,
    digest: `sha256:${createHash('sha256').update(EMPTY.bytes).digest('hex')}`,
    size: EMPTY.bytes.length,
  };
  await client.pushBlob(ref, config, () => Readable.from([EMPTY.bytes]));
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType,
    config,
    layers: [layer],
    annotations,
  };
  return client.putManifest(ref, tag, MANIFEST, Buffer.from(JSON.stringify(manifest)));
}

/**
 * The layer of the artifact `tag` in `ref`'s repository, or undefined when there is no such
 * tag. A manifest that is not an artifact of `artifactType` with one sha256 layer (a registry
 * reply is untrusted) is refused with an error naming it.
 */
export async function artifactLayer(
  client: RegistryClient,
  ref: ImageReference,
  tag: string,
  artifactType: string,
): Promise<Descriptor | undefined> {
  const manifest = await client.getManifest(ref, tag).catch((err: Error) => {
    if (err.message.startsWith('manifest unknown')) return undefined;
    throw err;
  });
  if (!manifest) return undefined;
  let parsed: { artifactType?: unknown; layers?: Descriptor[] };
  try {
    parsed = JSON.parse(manifest.bytes.toString());
  } catch {
    parsed = {};
  }
  const layer = Array.isArray(parsed.layers) ? parsed.layers[0] : undefined;
  if (
    parsed.artifactType !== artifactType ||
    !layer ||
    typeof layer.digest !== 'string' ||
    !/^sha256:[0-9a-f]{64}$/.test(layer.digest) ||
    !Number.isSafeInteger(layer.size)
  )
    throw new SlipwayError(
      `${ref.registry}/${ref.repository}:${tag} is not an artifact of type ${artifactType}`,
      {
        category: 'permanent',
      },
    );
  return layer;
}
