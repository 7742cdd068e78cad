import assert from 'node:assert/strict';
import { chmod, chown, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { type ImageStore, MediaType, openImageStore, packLayer, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { pushBaseImage } from './helpers/base-images.js';
import { testDockerd } from './helpers/dockerd.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const client = () =>
  new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });

/**
 * An image made by Slipway alone: the busybox base (pulled into `store`) plus one layer packed
 * by Slipway's packLayer from a directory with an executable script, owners, a symlink and a
 * hard link; config and manifest written to the store under `ref`.
 */
async function slipwayImage(store: ImageStore, base: string, ref: string): Promise<void> {
  const pulled = await pull(client(), store, base);
  const dir = await tempDir('layer-src');
  await mkdir(join(dir, 'app'), { mode: 0o755 });
  await writeFile(join(dir, 'app/run.sh'), '#!/bin/sh\necho "made by slipway: $1 as $(id -u)"\n');
  await chown(join(dir, 'app/run.sh'), 1000, 1000);
  await chmod(join(dir, 'app/run.sh'), 0o755);
  await link(join(dir, 'app/run.sh'), join(dir, 'app/run-again.sh'));
  await symlink('app/run.sh', join(dir, 'run'));
  const layer = await packLayer(dir, store.content);
  const config = {
    ...pulled.config,
    config: { ...pulled.config.config, Cmd: ['/run', 'hello'], User: 'builder' },
    rootfs: { type: 'layers', diff_ids: [...pulled.config.rootfs.diff_ids, layer.diffID] },
    history: [
      ...((pulled.config.history as unknown[] | undefined) ?? []),
      { created_by: 'slipway interop test layer' },
    ],
  };
  const cfg = await store.content.write(Buffer.from(JSON.stringify(config)));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, ...cfg },
      layers: [...pulled.layers, layer.descriptor],
    }),
  );
  await store.setRef(ref, { mediaType: MediaType.ociManifest, ...(await store.content.write(manifest)) });
}

const skopeo = async (...args: string[]) => runTool('skopeo', args);

describe('interop: an image pushed by Slipway', () => {
  it('passes skopeo inspect, copies with skopeo copy, and docker pull + docker run work', async () => {
    const [docker, registry] = await Promise.all([testDockerd(), testRegistry()]);
    const store = await openImageStore(await tempDir('interop-store'));
    const ref = `${registry.host}/made/by-slipway:1`;
    await slipwayImage(store, await pushBaseImage('busybox', registry.host), ref);

    const oci = await push(client(), store, ref);
    const dockerRef = `${registry.host}/made/by-slipway:docker`;
    await push(client(), store, ref, dockerRef, { format: 'docker' });

    const info = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as {
      Digest: string;
      Layers: string[];
    };
    assert.equal(info.Digest, oci.digest);
    assert.equal(info.Layers.length, 2);
    const raw = JSON.parse(
      await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${dockerRef}`),
    ) as {
      mediaType: string;
    };
    assert.equal(raw.mediaType, MediaType.dockerManifest);

    const layout = join(await tempDir('skopeo-copy'), 'layout');
    await skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:copied`);
    const copied = `${registry.host}/copied/by-skopeo:1`;
    await skopeo(
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${ref}`,
      `docker://${copied}`,
    );
    const copiedInfo = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${copied}`)) as {
      Digest: string;
    };
    assert.equal(copiedInfo.Digest, oci.digest, 'skopeo copies the manifest byte for byte');

    for (const image of [ref, dockerRef]) {
      await docker.docker('pull', '--quiet', image);
      const out = await docker.docker('run', '--rm', '--network', 'none', image);
      assert.equal(out, 'made by slipway: hello as 1000\n');
      const stat = await docker.docker(
        'run',
        '--rm',
        '--network',
        'none',
        '--user',
        '0',
        image,
        'stat',
        '-c',
        '%n %u:%g %a %h',
        '/app/run.sh',
        '/app/run-again.sh',
      );
      assert.equal(stat, '/app/run.sh 1000:1000 755 2\n/app/run-again.sh 1000:1000 755 2\n');
    }
  });
});
