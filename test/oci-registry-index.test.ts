import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaType, openImageStore, type Platform, parseReference, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { makeIndex, storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const registry = new RegistryClient({ credentials: credentialLookup({ dockerConfig: false }) });

/** Pushes one image per platform (by digest) and an index over them tagged `tag`. */
async function pushMultiPlatform(host: string, tag: string, platforms: Platform[]) {
  const store = await openImageStore(await tempDir('src'));
  const entries = [];
  for (const platform of platforms) {
    const name = `${host}/multi:${platform.os}-${platform.architecture}`;
    const desc = await storeImage(
      store,
      name,
      [{ 'etc/platform': `${platform.os}/${platform.architecture}\n` }],
      {
        platform,
      },
    );
    await push(registry, store, name);
    entries.push({ desc, platform });
  }
  await registry.putManifest(
    parseReference(`${host}/multi`),
    tag,
    MediaType.ociIndex,
    makeIndex(entries, true),
  );
  return entries;
}

test('a multi-platform index resolves to linux/amd64, skipping attestation entries', async () => {
  const reg = await testRegistry('none');
  const entries = await pushMultiPlatform(reg.host, 'all', [
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'amd64' },
    { os: 'windows', architecture: 'amd64' },
  ]);
  const store = await openImageStore(await tempDir('dst'));
  const pulled = await pull(registry, store, `${reg.host}/multi:all`);
  assert.equal(pulled.manifest.digest, entries[1]?.desc.digest);
  assert.equal(pulled.config.architecture, 'amd64');
  assert.deepEqual(await store.getRef(`${reg.host}/multi:all`), pulled.manifest);
});

test('an index without linux/amd64 fails naming the platforms it has', async () => {
  const reg = await testRegistry('none');
  await pushMultiPlatform(reg.host, 'arm', [
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 's390x' },
  ]);
  const store = await openImageStore(await tempDir('dst'));
  await assert.rejects(pull(registry, store, `${reg.host}/multi:arm`), (err: Error) => {
    assert.match(err.message, /no image for linux\/amd64/);
    assert.match(err.message, /the index has linux\/arm64\/v8, linux\/s390x$/);
    return true;
  });
  assert.equal(await store.getRef(`${reg.host}/multi:arm`), undefined);
});
