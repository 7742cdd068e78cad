import { type Descriptor, type ImageStore, MediaType, normalizeReference } from '../../oci/index.js';
import type { StageOutput } from './context.js';

/**
 * Writes the image of a built stage: its config (the evolved OCI config with history and
 * rootfs.diff_ids) and an OCI manifest listing its layers, into the content store, and points
 * every tag at the manifest. Same stage output → same bytes → same digests.
 */
export async function commitImage(
  store: ImageStore,
  out: StageOutput,
  tags: string[],
  created: string | undefined,
): Promise<{ manifest: Descriptor; configDigest: string; refs: string[] }> {
  const image = structuredClone(out.state.image);
  if (created !== undefined) image.created = created;
  const configBytes = Buffer.from(JSON.stringify(image));
  const config = await store.content.write(configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
      layers: out.layers.map((l) => ({
        mediaType: l.descriptor.mediaType,
        digest: l.descriptor.digest,
        size: l.descriptor.size,
      })),
    }),
  );
  const written = await store.content.write(manifestBytes);
  const manifest: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: written.digest,
    size: written.size,
  };
  const refs = tags.map((t) => normalizeReference(t));
  for (const ref of refs) await store.setRef(ref, manifest);
  return { manifest, configDigest: config.digest, refs };
}
