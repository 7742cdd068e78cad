import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** A gzip layer blob in a layout, with the digest of its uncompressed tar. */
export interface LayoutLayer {
  digest: string;
  size: number;
  diffID: string;
  /** Short history note for the image config. */
  createdBy: string;
}

/** The parts of an OCI image config a base image sets. */
export interface BaseConfig {
  Env: string[];
  Cmd: string[];
  WorkingDir?: string;
  User?: string;
}

function hashing(hash: ReturnType<typeof createHash>, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      count.n += chunk.length;
      cb(null, chunk);
    },
  });
}

/** Writes `bytes` as a blob of the layout, returning its digest and size. */
async function writeBlob(layoutDir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layoutDir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** Creates an empty OCI image layout (oci-layout file, blobs/sha256) at `layoutDir`. */
export async function initLayout(layoutDir: string): Promise<void> {
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

/**
 * Tars everything under `srcDir` with GNU tar (numeric owners, xattrs, names sorted, no `./`
 * prefix), gzips it, and stores it as a blob of the layout; diffID and digest come from the same
 * pass. The tree is taken as-is: owners and modes must already be what the image should have.
 */
export async function addDirLayer(
  layoutDir: string,
  srcDir: string,
  createdBy: string,
): Promise<LayoutLayer> {
  const names = (await readdir(srcDir)).sort();
  const tmp = join(layoutDir, 'blobs', `.tmp-${randomBytes(6).toString('hex')}`);
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=*',
      '--sort=name',
      '-C',
      srcDir,
      '--',
      ...names,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const tarDone = new Promise<number>((resolve) => tar.once('close', (code) => resolve(code ?? 1)));
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const raw = { n: 0 };
  const packed = { n: 0 };
  await pipeline(tar.stdout, hashing(diff, raw), createGzip(), hashing(blob, packed), createWriteStream(tmp));
  const code = await tarDone;
  if (code !== 0) throw new Error(`tar of ${srcDir} failed (exit ${code}): ${stderr.trim()}`);
  const hex = blob.digest('hex');
  await rename(tmp, join(layoutDir, 'blobs', 'sha256', hex));
  return { digest: `sha256:${hex}`, size: packed.n, diffID: `sha256:${diff.digest('hex')}`, createdBy };
}

/** Hard-links (same filesystem) a layer blob of another layout into `layoutDir`. */
export async function shareLayer(
  fromLayout: string,
  layoutDir: string,
  layer: LayoutLayer,
): Promise<LayoutLayer> {
  const hex = layer.digest.slice('sha256:'.length);
  const dst = join(layoutDir, 'blobs', 'sha256', hex);
  if (!(await stat(dst).catch(() => undefined))) await link(join(fromLayout, 'blobs', 'sha256', hex), dst);
  return layer;
}

/**
 * Writes the image config, the manifest and index.json (one manifest, tagged `tag` through
 * the `org.opencontainers.image.ref.name` annotation, as skopeo's `oci:DIR:TAG` expects).
 * Returns the manifest digest.
 */
export async function finishLayout(
  layoutDir: string,
  layers: LayoutLayer[],
  config: BaseConfig,
  tag = 'latest',
): Promise<string> {
  const created = '2024-01-01T00:00:00Z';
  const imageConfig = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: layers.map((l) => ({ created, created_by: l.createdBy })),
  };
  const cfg = await writeBlob(layoutDir, Buffer.from(JSON.stringify(imageConfig)));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
  };
  const man = await writeBlob(layoutDir, Buffer.from(JSON.stringify(manifest)));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: manifest.mediaType,
        ...man,
        annotations: { 'org.opencontainers.image.ref.name': tag },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  };
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));
  return man.digest;
}
