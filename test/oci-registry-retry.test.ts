import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pull } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { imageBehindFaultyProxy } from './helpers/proxied-image.js';

// Backoff of at most 50 ms: only a Retry-After hint can make a retry wait a second.
const registry = new RegistryClient({
  credentials: credentialLookup({ dockerConfig: false }),
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
});

const setup = () => imageBehindFaultyProxy(registry, 50_000);

test('429 with Retry-After: 1 is retried no sooner than a second later, and the pull succeeds', async () => {
  const { proxy, layer, store } = await setup();
  proxy.inject(layer, 'throttle', 1);
  await pull(registry, store, `${proxy.host}/app:v1`);
  const gets = proxy.requests.filter((r) => r.method === 'GET' && r.url.endsWith(layer));
  assert.deepEqual(
    gets.map((r) => r.status),
    [429, 200],
  );
  const waited = gets[1]!.at - gets[0]!.at;
  assert.ok(waited >= 990, `waited ${waited.toFixed(0)} ms after Retry-After: 1`);
  assert.ok(await store.content.has(layer));
});

test('a 5xx storm gives up after the configured attempts, naming the registry and the status', async () => {
  const { proxy, layer, store } = await setup();
  proxy.inject(layer, 'unavailable');
  await assert.rejects(pull(registry, store, `${proxy.host}/app:v1`), (err: Error) => {
    assert.match(err.message, new RegExp(`registry ${proxy.host.replace(/\./g, '\\.')} answered 503`));
    assert.match(err.message, /gave up after 3 attempts/);
    return true;
  });
  assert.equal(proxy.blobGets.get(layer), 3);
  assert.equal(await store.getRef(`${proxy.host}/app:v1`), undefined);
});
