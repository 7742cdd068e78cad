import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { test } from 'node:test';
import {
  openImageStore,
  type PushProgress,
  parseManifest,
  parseReference,
  pull,
  push,
} from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { startFaultyProxy } from './helpers/faulty-proxy.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

const registry = new RegistryClient({ credentials: credentialLookup({ dockerConfig: false }) });

test('a cross-repo mount the source repository cannot serve (202) falls back to an upload', async () => {
  const reg = await testRegistry('none');
  const proxy = await startFaultyProxy(reg.host);
  const src = await openImageStore(await tempDir('src'));
  // Two layers above the single-POST size so every blob goes through the mount POST.
  const image = await storeImage(src, `${proxy.host}/src/app:v1`, [
    { 'a.bin': randomBytes(100_000) },
    { 'b.bin': randomBytes(120_000) },
  ]);
  const parsed = parseManifest(await src.content.read(image.digest), image.mediaType, 'src');
  assert.equal(parsed.kind, 'manifest');
  const [shared, ...rest] = parsed.manifest.layers;
  // Only one layer exists in the `from` repository: it mounts, the others must be uploaded.
  const path = await src.content.blobPath(shared!.digest);
  await registry.pushBlob(parseReference(`${proxy.host}/src/app`), shared!, () => createReadStream(path));

  const before = proxy.requests.length;
  const states = new Map<string, PushProgress['state']>();
  await push(registry, src, `${proxy.host}/src/app:v1`, `${proxy.host}/dst/app:v1`, {
    onProgress: (p) => states.set(p.digest, p.state),
  });
  assert.equal(states.get(shared!.digest), 'mounted');
  for (const d of [parsed.manifest.config, ...rest]) assert.equal(states.get(d.digest), 'uploaded', d.digest);

  const pushed = proxy.requests.slice(before);
  const mounts = pushed.filter((r) => r.method === 'POST' && r.url.includes('mount='));
  assert.equal(mounts.length, 3, 'a mount is asked for every missing blob');
  assert.ok(
    mounts.every((r) => r.url.includes('from=src%2Fapp') || r.url.includes('from=src/app')),
    'from names the source repository',
  );
  assert.deepEqual(mounts.map((r) => r.status).sort(), [201, 202, 202], 'the registry declined two');
  const finished = pushed.filter((r) => r.method === 'PUT' && /[?&]digest=sha256/.test(r.url));
  assert.equal(finished.length, 2, 'each declined mount is finished by a normal upload');

  const dst = await openImageStore(await tempDir('dst'));
  const pulled = await pull(registry, dst, `${reg.host}/dst/app:v1`);
  assert.equal(pulled.manifest.digest, image.digest, 'the destination repository has the whole image');
  for (const l of pulled.layers) assert.ok(await dst.content.has(l.digest));
});
