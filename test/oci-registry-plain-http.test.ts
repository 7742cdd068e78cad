import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, test } from 'node:test';
import { freePort } from '../lib/net.js';
import { tryTool } from '../lib/proc.js';
import { openImageStore, parseReference, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/** A non-loopback IPv4 address of this host: plain HTTP to it needs --insecure-registry. */
function nonLoopbackAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  assert.ok(found, 'this test needs a non-loopback IPv4 address on the host (none found)');
  return found.address;
}

const credentials = credentialLookup({ dockerConfig: false });
const fastRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };

/** A plain HTTP listener that counts every HTTP request it parses (a TLS hello is not one). */
async function listener(address: string) {
  let requests = 0;
  const srv = createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => srv.listen(port, address, resolve));
  after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { host: `${address}:${port}`, requests: () => requests };
}

test('a registry on a non-loopback host gets no plain-HTTP request unless marked insecure', async () => {
  const address = nonLoopbackAddress();
  const reg = await testRegistry('none');
  const src = await openImageStore(await tempDir('src'));
  await storeImage(src, `${reg.host}/app:v1`, [{ 'a.txt': 'a' }]);
  await push(new RegistryClient({ credentials }), src, `${reg.host}/app:v1`);
  const proxy = await startFaultyProxy(reg.host, { listenHost: address });
  const ref = `${proxy.host}/app:v1`;

  const store = await openImageStore(await tempDir('dst'));
  const strict = new RegistryClient({ credentials, retry: fastRetry });
  await assert.rejects(pull(strict, store, ref), (err: Error) => {
    assert.match(err.message, new RegExp(`cannot reach registry ${proxy.host} \\(https\\)`));
    assert.match(err.message, new RegExp(`--insecure-registry ${proxy.host}`));
    return true;
  });
  assert.equal(proxy.requests.length, 0, 'not one plain-HTTP request reached the registry');

  const dataDir = await tempDir('cli');
  const env = {
    ...process.env,
    SLIPWAY_DATA_DIR: dataDir,
    DOCKER_CONFIG: dataDir,
    SLIPWAY_LOG_LEVEL: 'silent',
  };
  const refused = await tryTool(process.execPath, ['bin/slipway.mjs', 'pull', ref], { env });
  assert.equal(refused.code, 1);
  assert.equal(proxy.requests.length, 0, 'the CLI sends none either');
  const allowed = await tryTool(
    process.execPath,
    ['bin/slipway.mjs', 'pull', ref, '--insecure-registry', proxy.host],
    { env },
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /pulled .*app:v1 sha256:/);
  assert.ok(
    proxy.requests.some((r) => r.url.includes('/manifests/v1')),
    'pulled over plain HTTP',
  );
});

test('a plain-HTTP upload Location or redirect to a host not marked insecure is refused unsent', async () => {
  const outside = await listener(nonLoopbackAddress());
  const blob = randomBytes(100_000);
  // A loopback registry (plain HTTP is fine there) that points uploads and downloads elsewhere.
  const fake = createServer((req, res) => {
    if (req.url === '/v2/') return void res.end('{}');
    if (req.method === 'HEAD') return void res.writeHead(404).end();
    if (req.method === 'POST')
      return void res.writeHead(202, { location: `http://${outside.host}/upload/1?_state=x` }).end();
    res.writeHead(307, { location: `http://${outside.host}/blob` }).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => fake.listen(port, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => fake.close(() => resolve())));
  const host = `127.0.0.1:${port}`;
  const client = new RegistryClient({ credentials, retry: fastRetry });
  const ref = parseReference(`${host}/app:v1`);
  const desc = {
    mediaType: 'application/octet-stream',
    digest: `sha256:${'a'.repeat(64)}`,
    size: blob.length,
  };

  await assert.rejects(
    client.pushBlob(ref, desc, async function* () {
      yield blob;
    }),
    new RegExp(`registry ${host} sent a plain-HTTP URL on ${outside.host}; refusing it`),
  );
  await assert.rejects(
    client.fetchBlob(ref, desc, async (body) => {
      for await (const _ of body);
    }),
    new RegExp(`registry ${host} redirected to a plain-HTTP URL on ${outside.host}`),
  );
  assert.equal(outside.requests(), 0, 'nothing was sent to the outside host');

  const insecure = new RegistryClient({ credentials, retry: fastRetry, insecure: [outside.host] });
  await assert.rejects(
    insecure.fetchBlob(ref, desc, async () => {}),
    /answered 500/,
  );
  assert.equal(outside.requests() > 0, true, 'marked insecure, it is spoken to');
});
