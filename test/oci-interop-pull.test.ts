import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openImageStore, pull } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { pushBaseImage } from './helpers/base-images.js';
import { testDockerd } from './helpers/dockerd.js';
import { dockerExportListing, storeImageListing } from './helpers/image-trees.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { diffListings } from './helpers/tree-listing.js';

const client = () =>
  new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });

/** Pulls `ref` with Slipway and with docker; both root filesystems must be identical. */
async function assertSameTree(docker: Awaited<ReturnType<typeof testDockerd>>, ref: string) {
  const store = await openImageStore(await tempDir('interop-store'));
  await pull(client(), store, ref);
  await docker.docker('pull', '--quiet', ref);
  const [ours, theirs] = await Promise.all([storeImageListing(store, ref), dockerExportListing(docker, ref)]);
  assert.ok(ours.size > 5, `${ref}: Slipway's tree has ${ours.size} entries`);
  assert.deepEqual(diffListings(ours, theirs, ['slipway', 'docker export']), [], `${ref}: trees differ`);
}

// A Dockerfile whose layers carry what a naive unpacker gets wrong: whiteouts of files and
// of a whole directory, an opaque directory, a hard link across layers, setuid, owners.
const DOCKERFILE = (base: string) => `FROM ${base}
RUN mkdir -p /data/keep /data/opaque /data/gone-dir && echo old > /data/opaque/old \\
 && echo x > /data/gone && echo y > /data/gone-dir/y && echo k > /data/keep/k \\
 && chown -R 1000:1000 /data/keep && chmod 0750 /data/keep
RUN rm /data/gone && rm -rf /data/gone-dir /data/opaque && mkdir /data/opaque \\
 && echo new > /data/opaque/new && ln /data/keep/k /data/keep/k-hard \\
 && ln -s ../keep/k /data/opaque/k-sym && chmod 4755 /data/keep/k && rm /bin/vi \\
 && mkdir -m 1777 /data/sticky && chown 65534:65534 /data/sticky
`;

describe('interop: images pushed by skopeo and docker, pulled by Slipway', () => {
  it('skopeo-pushed Debian (OCI) and busybox (Docker schema2) unpack exactly like docker export', async () => {
    const [docker, registry] = await Promise.all([testDockerd(), testRegistry()]);
    await assertSameTree(docker, await pushBaseImage('debian', registry.host));
    await assertSameTree(docker, await pushBaseImage('busybox', registry.host, { format: 'v2s2' }));
  });

  it('a docker-built image with whiteouts, opaque dirs and hard links, pushed by docker push', async () => {
    const [docker, registry] = await Promise.all([testDockerd(), testRegistry()]);
    const base = await pushBaseImage('busybox', registry.host);
    const context = await tempDir('interop-context');
    await writeFile(join(context, 'Dockerfile'), DOCKERFILE(base));
    const ref = `${registry.host}/built/by-docker:1`;
    await docker.docker('build', '--quiet', '--network', 'none', '-t', ref, context);
    await docker.docker('push', ref);
    const store = await openImageStore(await tempDir('interop-store'));
    const pulled = await pull(client(), store, ref);
    assert.equal(pulled.layers.length, 3);
    const [ours, theirs] = await Promise.all([
      storeImageListing(store, ref),
      dockerExportListing(docker, ref),
    ]);
    assert.deepEqual(diffListings(ours, theirs, ['slipway', 'docker export']), []);
    // And the listing really saw what the Dockerfile did, so the comparison means something.
    assert.equal(ours.get('/data/gone'), undefined);
    assert.equal(ours.get('/data/gone-dir'), undefined);
    assert.equal(ours.get('/data/opaque/old'), undefined);
    assert.equal(ours.get('/bin/vi'), undefined);
    assert.equal(ours.get('/data/keep/k')?.mode, '4755');
    assert.equal(ours.get('/data/keep/k')?.owner, '1000:1000');
    assert.equal(ours.get('/data/keep/k-hard')?.linkGroup, '/data/keep/k');
    assert.equal(ours.get('/data/opaque/k-sym')?.target, '../keep/k');
    assert.equal(ours.get('/data/sticky')?.mode, '1777');
    assert.equal(ours.get('/data/sticky')?.owner, '65534:65534');
  });
});
