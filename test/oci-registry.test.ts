import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MediaType, openImageStore, type PushProgress, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { type Credential, credentialLookup } from '../runner/oci/registry/credentials.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { startTokenServer } from './helpers/token-server.js';

const fastRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };

function client(
  host: string,
  cred?: Credential,
  extra: ConstructorParameters<typeof RegistryClient>[0] = {},
) {
  return new RegistryClient({
    credentials: credentialLookup({ slipway: cred ? { [host]: cred } : {}, dockerConfig: false }),
    retry: fastRetry,
    ...extra,
  });
}

/** Pushes a two-layer image from one store and pulls it into a fresh one; asserts they agree. */
async function roundTrip(registry: RegistryClient, host: string) {
  const src = await openImageStore(await tempDir('src-store'));
  const ref = `${host}/team/app:v1`;
  const built = await storeImage(src, ref, [{ 'etc/hello': 'hello\n' }, { 'bin/tool': randomBytes(3000) }]);
  const states: PushProgress['state'][] = [];
  const pushed = await push(registry, src, ref, undefined, {
    tags: ['v1-extra'],
    onProgress: (p) => states.push(p.state),
  });
  assert.equal(pushed.digest, built.digest, 'an OCI manifest is pushed byte for byte');
  assert.deepEqual(states, ['uploaded', 'uploaded', 'uploaded']);
  states.length = 0;
  await push(registry, src, ref, undefined, { onProgress: (p) => states.push(p.state) });
  assert.deepEqual(states, ['exists', 'exists', 'exists'], 'a second push uploads nothing');

  const dst = await openImageStore(await tempDir('dst-store'));
  for (const tag of ['v1', 'v1-extra']) {
    const pulled = await pull(registry, dst, `${host}/team/app:${tag}`);
    assert.equal(pulled.manifest.digest, built.digest);
    assert.equal(pulled.layers.length, 2);
    for (const layer of pulled.layers) assert.ok(await dst.content.has(layer.digest));
    assert.deepEqual(await dst.getRef(`${host}/team/app:${tag}`), pulled.manifest);
  }
  return { src, dst };
}

describe('pull and push against docker-registry without auth', () => {
  test('round trip, Docker schema2 on request, cross-repo mount, chunked upload, cached pull', async () => {
    const reg = await testRegistry('none');
    const registry = client(reg.host);
    const { src, dst } = await roundTrip(registry, reg.host);

    const docker = await push(registry, src, `${reg.host}/team/app:v1`, `${reg.host}/team/app:docker`, {
      format: 'docker',
    });
    assert.equal(docker.mediaType, MediaType.dockerManifest);
    const pulledDocker = await pull(registry, dst, `${reg.host}/team/app:docker`);
    assert.equal(pulledDocker.manifest.mediaType, MediaType.dockerManifest);
    assert.equal(pulledDocker.layers[0]?.mediaType, MediaType.dockerLayerGzip);

    const states: string[] = [];
    await push(registry, src, `${reg.host}/team/app:v1`, `${reg.host}/other/copy:v1`, {
      onProgress: (p) => states.push(p.state),
    });
    assert.deepEqual(
      states,
      ['mounted', 'mounted', 'mounted'],
      'blobs are mounted from the source repository',
    );

    const chunky = client(reg.host, undefined, { monolithicMaxBytes: 1024, chunkBytes: 1000 });
    const big = await storeImage(src, `${reg.host}/big/app:v1`, [{ blob: randomBytes(10_000) }]);
    await push(chunky, src, `${reg.host}/big/app:v1`);
    const fresh = await openImageStore(await tempDir('fresh-store'));
    const cachedStates: string[] = [];
    const pulled = await pull(chunky, fresh, `${reg.host}/big/app:v1`);
    assert.equal(pulled.manifest.digest, big.digest, 'a chunked upload arrives intact');
    await pull(chunky, fresh, `${reg.host}/big/app@${big.digest}`, {
      onProgress: (p) => cachedStates.push(p.state),
    });
    assert.deepEqual(cachedStates, ['cached', 'cached'], 'a second pull (by digest) fetches no blob');
  });
});

describe('pull and push with htpasswd Basic auth', () => {
  test('round trip with the right password; a wrong one names the registry', async () => {
    const reg = await testRegistry('htpasswd');
    await roundTrip(client(reg.host, reg.credentials), reg.host);
    const wrong = client(reg.host, { username: 'slipway', password: 'nope' });
    const store = await openImageStore(await tempDir('store'));
    await assert.rejects(pull(wrong, store, `${reg.host}/team/app:v1`), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`registry ${reg.host.replace(/\./g, '\\.')} denied user "slipway"`),
      );
      assert.match(err.message, /wrong username or password/);
      return true;
    });
    await assert.rejects(pull(client(reg.host), store, `${reg.host}/team/app:v1`), /denied anonymous access/);
  });
});

describe('pull and push with Bearer token auth', () => {
  test('round trip with credentials from a Docker config file; tokens cached; wrong password named', async () => {
    const tokens = await startTokenServer({
      users: { alice: 'wonderland' },
      grant: (user, _name, actions) => (user ? actions : actions.filter((a) => a === 'pull')),
    });
    const reg = await testRegistry({ auth: tokens.auth });
    const dockerConfig = join(await tempDir('docker-config'), 'config.json');
    const auth = Buffer.from('alice:wonderland').toString('base64');
    await writeFile(dockerConfig, JSON.stringify({ auths: { [reg.host]: { auth } } }));
    const registry = new RegistryClient({
      credentials: credentialLookup({ dockerConfig }),
      retry: fastRetry,
    });
    await roundTrip(registry, reg.host);
    const served = tokens.requests.filter((r) => r.status === 200).length;
    assert.ok(
      served <= 4,
      `tokens are cached per scope (${served} token requests for two pushes and two pulls)`,
    );

    const store = await openImageStore(await tempDir('store'));
    const anonymous = client(reg.host);
    const pulled = await pull(anonymous, store, `${reg.host}/team/app:v1`);
    assert.equal(pulled.layers.length, 2, 'anonymous tokens allow pulling');
    await assert.rejects(
      push(anonymous, store, `${reg.host}/team/app:v1`, `${reg.host}/team/app:v2`),
      /denied anonymous access/,
    );

    const wrong = client(reg.host, { username: 'alice', password: 'queen' });
    await assert.rejects(pull(wrong, store, `${reg.host}/team/app:v1`), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`authentication to registry ${reg.host.replace(/\./g, '\\.')} failed`),
      );
      assert.match(err.message, /wrong username or password/);
      return true;
    });
  });
});
