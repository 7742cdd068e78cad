import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  type Descriptor,
  type ImageStore,
  MediaType,
  normalizeReference,
  type Platform,
} from '../../runner/oci/index.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A gzip tar layer of regular files (path → content), with its digest and diffID. */
export async function makeLayer(
  files: Record<string, string | Buffer>,
): Promise<{ blob: Buffer; diffID: string }> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return { blob: gzipSync(tar), diffID: sha256(tar) };
}

/**
 * Writes an image (layers built from `layers`, a config for `platform`) straight into `store`
 * and points `ref` at it. OCI media types unless `docker` is set. Returns the manifest descriptor.
 */
export async function storeImage(
  store: ImageStore,
  ref: string,
  layers: Array<Record<string, string | Buffer>>,
  opts: { platform?: Platform; docker?: boolean } = {},
): Promise<Descriptor> {
  const built = await Promise.all(layers.map(makeLayer));
  const layerDescs: Descriptor[] = [];
  for (const l of built) {
    const { digest, size } = await store.content.write(l.blob);
    layerDescs.push({
      mediaType: opts.docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip,
      digest,
      size,
    });
  }
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = Buffer.from(
    JSON.stringify({
      ...platform,
      created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: built.map((l) => l.diffID) },
      history: built.map(() => ({ created_by: 'slipway test fixture' })),
    }),
  );
  const configDesc = {
    mediaType: opts.docker ? MediaType.dockerConfig : MediaType.ociConfig,
    ...(await store.content.write(config)),
  };
  const mediaType = opts.docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, config: configDesc, layers: layerDescs }),
  );
  const target = { mediaType, ...(await store.content.write(manifest)) };
  await store.setRef(normalizeReference(ref), target);
  return target;
}

/**
 * An OCI index over `entries`. With `withAttestation`, a buildx-style attestation entry comes
 * first, claiming linux/amd64 but pointing at the last entry's manifest: a client that fails
 * to skip it pulls the wrong image.
 */
export function makeIndex(
  entries: Array<{ desc: Descriptor; platform: Platform }>,
  withAttestation = false,
): Buffer {
  const manifests: Descriptor[] = entries.map((e) => ({ ...e.desc, platform: e.platform }));
  const last = entries.at(-1);
  if (withAttestation && last)
    manifests.unshift({
      mediaType: MediaType.ociManifest,
      digest: last.desc.digest,
      size: last.desc.size,
      platform: { os: 'linux', architecture: 'amd64' },
      annotations: {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': last.desc.digest,
      },
    });
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
}
