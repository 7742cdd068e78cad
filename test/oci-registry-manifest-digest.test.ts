import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openImageStore, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { type ManifestFault, startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const registry = new RegistryClient({
  credentials: credentialLookup({ dockerConfig: false }),
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
});

/** An image in a real registry, behind a proxy that alters manifest GETs of `selector`. */
async function setup(fault: ManifestFault, selector: (digest: string) => string) {
  const reg = await testRegistry('none');
  const src = await openImageStore(await tempDir('src'));
  const pushed = await storeImage(src, `${reg.host}/app:v1`, [{ data: randomBytes(5000) }]);
  await push(registry, src, `${reg.host}/app:v1`);
  const proxy = await startFaultyProxy(reg.host);
  proxy.injectManifest(selector(pushed.digest), fault);
  return { proxy, digest: pushed.digest, store: await openImageStore(await tempDir('dst')) };
}

/** A failed pull set no ref and stored no blob (not the manifest, config or layers). */
async function assertNothingStored(store: Awaited<ReturnType<typeof openImageStore>>, ref: string) {
  assert.equal(await store.getRef(ref), undefined, 'no ref is set');
  assert.deepEqual(await store.content.list(), [], 'no blob is stored');
}

test('other bytes served for a manifest pulled by digest: the pull fails naming the digest', async () => {
  const { proxy, digest, store } = await setup('other-bytes', (d) => d);
  const ref = `${proxy.host}/app@${digest}`;
  await assert.rejects(pull(registry, store, ref), (err: Error) => {
    assert.match(err.message, new RegExp(`manifest ${proxy.host}/app:${digest}: digest mismatch`));
    assert.match(err.message, new RegExp(`expected ${digest}, got sha256:`));
    return true;
  });
  const gets = proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/'));
  assert.equal(gets.length, 1, 'a digest mismatch is permanent: not retried');
  assert.equal(
    proxy.requests.filter((r) => r.url.includes('/blobs/')).length,
    0,
    'no blob of an unverified manifest is fetched',
  );
  await assertNothingStored(store, ref);
});

test('a Docker-Content-Digest header that does not match the bytes of a tag fails the pull', async () => {
  const { proxy, store } = await setup('wrong-digest-header', () => 'v1');
  const ref = `${proxy.host}/app:v1`;
  await assert.rejects(pull(registry, store, ref), (err: Error) => {
    assert.match(err.message, new RegExp(`manifest ${proxy.host}/app:v1: digest mismatch: expected sha256:`));
    return true;
  });
  assert.equal(proxy.requests.filter((r) => r.url.includes('/blobs/')).length, 0);
  await assertNothingStored(store, ref);
});

test('the same proxy passes an untouched manifest through (the checks above are not spurious)', async () => {
  const { proxy, digest, store } = await setup('other-bytes', () => 'v2-unused');
  const pulled = await pull(registry, store, `${proxy.host}/app:v1`);
  assert.equal(pulled.manifest.digest, digest);
});
