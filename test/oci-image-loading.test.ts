import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureImage, readImage } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { imageBehindFaultyProxy } from './helpers/proxied-image.js';

/**
 * readImage / ensureImage, the one way the executor and the builder load images: the store's
 * copy first, a missing image pulled once however many ask for it at the same time.
 */
const registry = new RegistryClient({ credentials: credentialLookup({ dockerConfig: false }) });

test('ensureImage: concurrent callers of a missing image share one pull; then the store answers alone', async () => {
  const { proxy, layer, store } = await imageBehindFaultyProxy(registry, 100_000);
  const ref = `${proxy.host}/app:v1`;
  assert.equal(await readImage(store, ref), undefined, 'not in the store yet');
  const images = await Promise.all([1, 2, 3, 4].map(() => ensureImage(store, registry, ref)));
  assert.equal(proxy.blobGets.get(layer), 1, 'four callers, one download of the layer');
  for (const image of images) {
    assert.equal(image.ref, ref);
    assert.deepEqual(
      image.layers.map((l) => l.descriptor.digest),
      [layer],
    );
    assert.match(image.layers[0]!.diffID, /^sha256:[0-9a-f]{64}$/);
    assert.equal(image.manifestDigest, images[0]!.manifestDigest);
  }
  const before = proxy.requests.length;
  let asked = false;
  const again = await ensureImage(
    store,
    async () => {
      asked = true;
      return registry;
    },
    ref,
  );
  assert.equal(again.manifestDigest, images[0]!.manifestDigest);
  assert.equal(asked, false, 'an image in the store needs no registry client');
  assert.equal(proxy.requests.length, before, 'and no request');
});

test('readImage: a ref that points at something other than an image manifest is a clear error', async () => {
  const { proxy, store } = await imageBehindFaultyProxy(registry, 10_000);
  const ref = `${proxy.host}/app:v1`;
  const image = await ensureImage(store, registry, ref);
  await store.setRef(`${proxy.host}/app:broken`, {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: image.configDigest,
    size: image.manifest.config.size,
  });
  await assert.rejects(readImage(store, `${proxy.host}/app:broken`), /app:broken/);
});
