import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openImageStore, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { startTokenServer } from './helpers/token-server.js';

test('a Bearer token is used until its expires_in runs out, then a new one is fetched before the registry refuses it', async () => {
  const tokens = await startTokenServer({ users: { alice: 'wonderland' }, expiresIn: 3 });
  const reg = await testRegistry({ auth: tokens.auth });
  const proxy = await startFaultyProxy(reg.host);
  const registry = new RegistryClient({
    credentials: credentialLookup({
      slipway: { [proxy.host]: { username: 'alice', password: 'wonderland' } },
      dockerConfig: false,
    }),
  });
  const src = await openImageStore(await tempDir('src'));
  const ref = `${proxy.host}/team/app:v1`;
  await storeImage(src, ref, [{ 'a.bin': randomBytes(10_000) }, { 'b.bin': randomBytes(10_000) }]);
  await push(registry, src, ref);

  const count = () => tokens.requests.filter((r) => r.status === 200).length;
  const beforeFirst = count();
  await pull(registry, await openImageStore(await tempDir('dst1')), ref);
  await pull(registry, await openImageStore(await tempDir('dst2')), ref);
  assert.equal(count() - beforeFirst, 1, 'two pulls within the lifetime share one pull token');

  await sleep(3200);
  const beforeLate = count();
  await pull(registry, await openImageStore(await tempDir('dst3')), ref);
  assert.equal(count() - beforeLate, 1, 'after expires_in a fresh token is fetched');
  const refused = proxy.requests.filter((r) => r.status === 401 && r.url !== '/v2/');
  assert.deepEqual(refused, [], 'no request went out with an expired token');
});
