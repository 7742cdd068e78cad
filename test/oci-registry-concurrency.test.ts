import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openImageStore, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const registry = new RegistryClient({ credentials: credentialLookup({ dockerConfig: false }) });

test('layer downloads run 4 at a time by default, and as many as `concurrency` says', async () => {
  const reg = await testRegistry('none');
  const src = await openImageStore(await tempDir('src'));
  const layers = Array.from({ length: 7 }, (_, i) => ({ [`f${i}`]: randomBytes(20_000 + i * 1000) }));
  await storeImage(src, `${reg.host}/wide/app:v1`, layers);
  await push(registry, src, `${reg.host}/wide/app:v1`);
  // Every blob GET is held 150 ms at the proxy, so requests the client sends together overlap there.
  const proxy = await startFaultyProxy(reg.host, { blobDelayMs: 150 });

  for (const [concurrency, expected] of [
    [undefined, 4],
    [2, 2],
  ] as const) {
    const store = await openImageStore(await tempDir('dst'));
    const before = proxy.requests.length;
    const pulled = await pull(registry, store, `${proxy.host}/wide/app:v1`, { concurrency });
    const digests = pulled.layers.map((l) => l.digest);
    assert.equal(digests.length, 7);
    const fetched = proxy.requests.slice(before).filter((r) => digests.some((d) => r.url.endsWith(d)));
    assert.equal(fetched.length, 7, 'each layer fetched once');
    assert.equal(proxy.maxBlobsInFlight(digests), expected, `concurrency ${concurrency ?? 'default'}`);
    proxy.resetCounters();
  }
});
