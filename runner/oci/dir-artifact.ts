import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { artifactLayer, putArtifact } from './artifact.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import type { ContentStore, Descriptor } from './types.js';

/**
 * A directory as an OCI artifact: tagged `tag` in `ref`'s repository, of `artifactType`, its
 * one layer a gzip tar of `dir` packed as image layers are (deterministic: an unchanged dir
 * packs to the same digest, owners and modes kept). When `tag` already names that layer
 * nothing is uploaded (`stored` false). The packed blob is removed from `content` afterwards.
 */
export async function pushDirArtifact(
  client: RegistryClient,
  ref: ImageReference,
  tag: string,
  artifactType: string,
  dir: string,
  content: ContentStore,
  annotations: Record<string, string> = {},
): Promise<{ layer: Descriptor; stored: boolean }> {
  const { packLayer } = await import('./layer/pack.js');
  const layer = (await packLayer(dir, content, { compression: 'gzip' })).descriptor;
  try {
    const current = await artifactLayer(client, ref, tag, artifactType).catch(() => undefined);
    if (current?.digest === layer.digest) return { layer, stored: false };
    const path = await content.blobPath(layer.digest);
    await client.pushBlob(ref, layer, () => createReadStream(path));
    await putArtifact(client, ref, tag, artifactType, layer, annotations);
    return { layer, stored: true };
  } finally {
    await content.delete(layer.digest).catch(() => undefined);
  }
}

/**
 * Fills `dir` (absent; made here, its parent too) with the tar layer `layer` of `ref`'s
 * repository, as untrusted input: the blob's digest is checked, nothing is created outside
 * `dir`, no device nodes (layer/unpack.ts). It is unpacked into a temp dir beside `dir` and
 * renamed into place, so `dir` appears whole or not at all; the rename fails when `dir` exists.
 */
export async function pullDirArtifact(
  client: RegistryClient,
  ref: ImageReference,
  layer: Descriptor,
  dir: string,
): Promise<void> {
  const { unpackLayerStream } = await import('./layer/unpack.js');
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(dirname(dir), { recursive: true });
    await client.fetchBlob(ref, layer, async (body) => {
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      const hash = createHash('sha256');
      const hashed = async function* () {
        for await (const chunk of body) {
          hash.update(chunk);
          yield chunk;
        }
      };
      await unpackLayerStream(hashed(), tmp, { digest: layer.digest });
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== layer.digest)
        throw new SlipwayError(`blob ${layer.digest} of ${ref.repository} read back as ${got}`, {
          category: 'permanent',
        });
    });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
