import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { test } from 'node:test';
import { openImageStore, parseManifest, parseReference, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const CHUNK = 100_000;

test('a large blob goes up in PATCH chunks, each to the Location before it, then a PUT with ?digest=', async () => {
  const reg = await testRegistry('none');
  // Relative Locations (path + query) as some registries send them; the client must resolve them.
  const proxy = await startFaultyProxy(reg.host, { relativeLocations: true });
  const client = new RegistryClient({
    credentials: credentialLookup({ dockerConfig: false }),
    monolithicMaxBytes: CHUNK,
    chunkBytes: CHUNK,
  });
  const src = await openImageStore(await tempDir('src'));
  const ref = `${proxy.host}/big/app:v1`;
  const image = await storeImage(src, ref, [{ 'data.bin': randomBytes(350_000) }]);
  const parsed = parseManifest(await src.content.read(image.digest), image.mediaType, ref);
  assert.equal(parsed.kind, 'manifest');
  const layer = parsed.manifest.layers[0]!;
  assert.ok(layer.size > 3 * CHUNK && layer.size < 4 * CHUNK, `layer of ${layer.size} bytes makes 4 chunks`);

  const path = await src.content.blobPath(layer.digest);
  assert.equal(
    await client.pushBlob(parseReference(ref), layer, () => createReadStream(path, { highWaterMark: 16384 })),
    'uploaded',
  );
  const sent = proxy.requests.filter((r) => r.url.includes('/blobs/uploads/'));
  assert.deepEqual(
    sent.map((r) => [r.method, r.status]),
    [
      ['POST', 202],
      ['PATCH', 202],
      ['PATCH', 202],
      ['PATCH', 202],
      ['PATCH', 202],
      ['PUT', 201],
    ],
  );
  const ranges = sent.filter((r) => r.method === 'PATCH').map((r) => r.contentRange);
  assert.deepEqual(ranges, [
    `0-${CHUNK - 1}`,
    `${CHUNK}-${2 * CHUNK - 1}`,
    `${2 * CHUNK}-${3 * CHUNK - 1}`,
    `${3 * CHUNK}-${layer.size - 1}`,
  ]);
  for (let i = 1; i < sent.length; i++) {
    const previous = sent[i - 1]!.location ?? '';
    assert.ok(
      previous?.startsWith('/v2/') && previous.includes('?_state='),
      `relative with a query: ${previous}`,
    );
    const url = new URL(sent[i]!.url, 'http://x');
    const expected = new URL(previous, 'http://x');
    assert.equal(url.pathname, expected.pathname, `request ${i} goes to the Location before it`);
    for (const [k, v] of expected.searchParams) assert.equal(url.searchParams.get(k), v, `query ${k} kept`);
    if (i === sent.length - 1) assert.equal(url.searchParams.get('digest'), layer.digest);
    else assert.equal(url.searchParams.get('digest'), null, 'only the closing PUT names the digest');
  }

  await push(client, src, ref);
  const dst = await openImageStore(await tempDir('dst'));
  const pulled = await pull(client, dst, `${reg.host}/big/app:v1`);
  assert.equal(pulled.manifest.digest, image.digest);
  assert.ok((await dst.content.read(layer.digest)).equals(await src.content.read(layer.digest)));
});
