import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { openImageStore } from '../runner/oci/index.js';
import { pull } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { imageBehindFaultyProxy } from './helpers/proxied-image.js';

const registry = new RegistryClient({
  credentials: credentialLookup({ dockerConfig: false }),
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
});

/** A registry with one image (a ~200 KiB incompressible layer) behind a misbehaving proxy. */
const setup = () => imageBehindFaultyProxy(registry, 200_000);

/** Nothing half-written may stay behind: only complete blobs, no temp files. */
async function assertNoDebris(
  dataDir: string,
  store: Awaited<ReturnType<typeof openImageStore>>,
  digest: string,
) {
  assert.equal(await store.content.has(digest), false, 'the bad blob is not in the store');
  const leftovers = await readdir(join(dataDir, 'tmp')).catch(() => []);
  assert.deepEqual(leftovers, [], 'no temp files remain');
}

test('wrong bytes for a digest: the pull fails naming the digest and stores nothing corrupt', async () => {
  const { proxy, layer, dataDir, store } = await setup();
  proxy.inject(layer, 'corrupt');
  await assert.rejects(pull(registry, store, `${proxy.host}/app:v1`), (err: Error) => {
    assert.match(err.message, new RegExp(layer.slice(7, 20)));
    assert.match(err.message, /mismatch/i);
    return true;
  });
  assert.equal(proxy.blobGets.get(layer), 1, 'a digest mismatch is permanent: not retried');
  await assertNoDebris(dataDir, store, layer);
  assert.equal(await store.getRef(`${proxy.host}/app:v1`), undefined, 'no ref points at a broken image');
});

test('a connection dropped mid-blob is retried and the pull succeeds', async () => {
  const { proxy, layer, store } = await setup();
  proxy.inject(layer, 'drop', 1);
  const pulled = await pull(registry, store, `${proxy.host}/app:v1`);
  assert.equal(proxy.blobGets.get(layer), 2);
  assert.equal((await store.content.read(layer)).length, pulled.layers[0]?.size);
});

test('a connection dropped every time: the pull fails clearly and leaves no partial blob', async () => {
  const { proxy, layer, dataDir, store } = await setup();
  proxy.inject(layer, 'drop');
  await assert.rejects(pull(registry, store, `${proxy.host}/app:v1`), (err: Error) => {
    assert.match(err.message, new RegExp(`blob ${layer} of ${proxy.host}/app failed after 3 attempts`));
    assert.match(err.message, /closed/);
    return true;
  });
  assert.equal(proxy.blobGets.get(layer), 3, 'retried up to the attempt limit');
  await assertNoDebris(dataDir, store, layer);
});

test('503 answers are retried with backoff', async () => {
  const { proxy, layer, store } = await setup();
  proxy.inject(layer, 'unavailable', 2);
  await pull(registry, store, `${proxy.host}/app:v1`);
  assert.equal(proxy.blobGets.get(layer), 3);
  assert.ok(await store.content.has(layer));
});
