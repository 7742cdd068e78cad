import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageStore } from '../../runner/oci/index.js';
import { parseImageConfig, parseManifest } from '../../runner/oci/index.js';
import { mountOverlay, unmountOverlay } from '../../runner/rootfs/index.js';
import type { Dockerd } from './dockerd.js';
import { DOCKER_CONTAINER_PATHS, listDir, listTar, type TreeListing } from './tree-listing.js';

/**
 * The root filesystem a container of store image `ref` would see: every layer unpacked by the
 * store (overlayfs lower-dir form), mounted as one overlay by the runtime's mountOverlay, listed,
 * unmounted. Docker's per-container paths are left out so it compares with dockerExportListing.
 */
export async function storeImageListing(store: ImageStore, ref: string): Promise<TreeListing> {
  const target = await store.getRef(ref);
  if (!target) throw new Error(`${ref} is not in the store`);
  const parsed = parseManifest(await store.content.read(target.digest), target.mediaType, ref);
  if (parsed.kind !== 'manifest') throw new Error(`${ref} is an index`);
  const layers = parsed.manifest.layers;
  const config = parseImageConfig(
    await store.content.read(parsed.manifest.config.digest),
    layers.length,
    ref,
  );
  const dirs: string[] = [];
  for (const [i, layer] of layers.entries())
    dirs.push(await store.unpackLayer(layer, config.rootfs.diff_ids[i]!));
  const mnt = await mkdtemp(join(tmpdir(), 'tree-'));
  try {
    const root = await mountOverlay(mnt, dirs);
    return await listDir(root.merged, DOCKER_CONTAINER_PATHS);
  } finally {
    await unmountOverlay(mnt);
  }
}

/**
 * `docker export` of a container created (never started, no network) from `image` on a
 * private dockerd, as a listing without Docker's per-container paths. Removes the container.
 */
export async function dockerExportListing(docker: Dockerd, image: string): Promise<TreeListing> {
  const id = (await docker.docker('create', '--network', 'none', image)).trim();
  try {
    const child = spawn('docker', ['export', id], { env: docker.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
    const listing = await listTar(child.stdout, DOCKER_CONTAINER_PATHS);
    const code = await exited;
    if (code !== 0) throw new Error(`docker export ${image} failed: ${stderr.trim()}`);
    return listing;
  } finally {
    await docker.docker('rm', '-f', id);
  }
}
