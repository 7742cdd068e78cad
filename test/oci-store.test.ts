import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { type Descriptor, type ImageStore, MediaType, openImageStore } from '../runner/oci/index.js';
import { makeLayer, sha256 } from './helpers/layer-tar.js';
import { requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

const base = await tempDir('slipway-store');
let n = 0;
const freshStore = (opts = {}) => openImageStore(join(base, `store-${n++}`), { gcGraceMs: 0, ...opts });

interface TestImage {
  manifest: Descriptor;
  layers: Array<{ desc: Descriptor; diffID: string }>;
}

/** Writes a one-manifest image whose layers hold `files` (one layer per entry) and points `ref` at it. */
async function addImage(store: ImageStore, ref: string, files: string[]): Promise<TestImage> {
  const layers: TestImage['layers'] = [];
  for (const f of files) {
    const l = await makeLayer([{ header: { name: f }, content: `${ref}:${f}:${'x'.repeat(5000)}` }]);
    await store.content.write(l.blob, { digest: l.digest, size: l.blob.length });
    layers.push({
      desc: { mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.blob.length },
      diffID: l.diffID,
    });
  }
  const config = Buffer.from(
    JSON.stringify({ rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) } }),
  );
  await store.content.write(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length },
      layers: layers.map((l) => l.desc),
    }),
  );
  await store.content.write(manifest);
  const desc = { mediaType: MediaType.ociManifest, digest: sha256(manifest), size: manifest.length };
  await store.setRef(ref, desc);
  return { manifest: desc, layers };
}

async function unpackAll(store: ImageStore, img: TestImage): Promise<string[]> {
  return Promise.all(img.layers.map((l) => store.unpackLayer(l.desc, l.diffID)));
}

/** Runs a child process that opens the store at `dir` and runs `body` (TypeScript, `store` in scope). */
function child(dir: string, body: string) {
  const code = `import { openImageStore } from ${JSON.stringify(join(process.cwd(), 'runner/oci/store/index.ts'))};
const store = await openImageStore(${JSON.stringify(dir)}, { gcGraceMs: 0 });
${body}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((resolve, reject) =>
    proc.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`child exited ${c}: ${out}`)))),
  );
  return { proc, exited, output: () => out };
}

describe('content store', () => {
  before(requireRoot);

  test('a write with the wrong digest, wrong size or a failing source leaves nothing behind', async () => {
    const store = await freshStore();
    const data = Buffer.from('hello world');
    const wrong = `sha256:${'a'.repeat(64)}`;
    await assert.rejects(
      store.content.write(data, { digest: wrong }),
      /digest mismatch: expected sha256:a{64}/,
    );
    await assert.rejects(store.content.write(data, { digest: sha256(data), size: 5 }), /size mismatch/);
    async function* dropped() {
      yield Buffer.from('partial');
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    await assert.rejects(store.content.write(dropped(), { digest: sha256(data) }), /socket hang up/);
    assert.equal(await store.content.has(sha256(data)), false);
    assert.deepEqual(await store.content.list(), []);
    const dataDir = join(base, `store-${n - 1}`);
    assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);
    await assert.rejects(store.content.blobPath(sha256(data)), /not in the content store/);
  });

  test('a verified write is readable; rewriting it is a no-op that does not read the source', async () => {
    const store = await freshStore();
    const data = Buffer.from('payload');
    assert.deepEqual(await store.content.write(data, { digest: sha256(data), size: 7 }), {
      digest: sha256(data),
      size: 7,
    });
    let pulled = false;
    async function* lazy() {
      pulled = true;
      yield data;
    }
    assert.deepEqual(await store.content.write(lazy(), { digest: sha256(data) }), {
      digest: sha256(data),
      size: 7,
    });
    assert.equal(pulled, false);
    assert.equal((await store.content.read(sha256(data))).toString(), 'payload');
    await assert.rejects(store.content.write(data, { digest: '../../etc/passwd' }), /invalid digest/);
  });

  test('refs persist across reopen and are listed, replaced and deleted', async () => {
    const dir = join(base, `store-${n++}`);
    const store = await openImageStore(dir);
    const a: Descriptor = { mediaType: MediaType.ociManifest, digest: `sha256:${'1'.repeat(64)}`, size: 10 };
    const b: Descriptor = { ...a, digest: `sha256:${'2'.repeat(64)}` };
    await store.setRef('localhost:5000/app:v1', a);
    await store.setRef('localhost:5000/app:v1', b);
    await store.setRef('docker.io/library/alpine:latest', a);
    const again = await openImageStore(dir);
    assert.deepEqual(await again.getRef('localhost:5000/app:v1'), b);
    assert.deepEqual((await again.listRefs()).map((r) => r.ref).sort(), [
      'docker.io/library/alpine:latest',
      'localhost:5000/app:v1',
    ]);
    await again.deleteRef('localhost:5000/app:v1');
    assert.equal(await again.getRef('localhost:5000/app:v1'), undefined);
  });
});

describe('unpacked layers and GC', () => {
  before(requireRoot);

  test('concurrent unpacks of one layer coalesce in a process and are safe across processes', async () => {
    const dir = join(base, `store-${n++}`);
    const store = await openImageStore(dir);
    const files = Array.from({ length: 2000 }, (_, i) => `f${i}`);
    const big = await makeLayer(files.map((f) => ({ header: { name: `d/${f}` }, content: f })));
    await store.content.write(big.blob, { digest: big.digest });
    const desc = { mediaType: MediaType.ociLayerGzip, digest: big.digest, size: big.blob.length };
    const body = `process.stdout.write(await store.unpackLayer(${JSON.stringify(desc)}, ${JSON.stringify(big.diffID)}));`;
    const kids = [child(dir, body), child(dir, body)];
    const local = await Promise.all([1, 2, 3].map(() => store.unpackLayer(desc, big.diffID)));
    const remote = await Promise.all(kids.map((k) => k.exited));
    assert.equal(new Set([...local, ...remote]).size, 1);
    assert.equal((await readdir(join(local[0]!, 'd'))).length, 2000);
    assert.equal(await readFile(join(local[0]!, 'd', 'f1999'), 'utf8'), 'f1999');
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    assert.equal((await readdir(join(dir, 'layers'))).length, 1);
  });

  test('gc keeps referenced images and held layers (in this and other processes) and frees the rest', async () => {
    const dir = join(base, `store-${n++}`);
    const store = await openImageStore(dir, { gcGraceMs: 0 });
    const kept = await addImage(store, 'kept:1', ['k1', 'k2']);
    const gone = await addImage(store, 'gone:1', ['g1', 'g2', 'g3']);
    await unpackAll(store, kept);
    await unpackAll(store, gone);
    await store.deleteRef('gone:1');
    const [g1, g2, g3] = gone.layers;
    const release = await store.hold([g1!.diffID]);
    const other = child(
      dir,
      `await store.hold([${JSON.stringify(g2!.diffID)}]); process.stdout.write('held'); await new Promise(() => setInterval(() => {}, 1000));`,
    );
    for (let i = 0; other.output() !== 'held'; i++) {
      assert.ok(i < 400, 'child process did not take its hold within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }

    const first = await store.gc();
    assert.ok(first.freedBytes > 0);
    for (const l of kept.layers) {
      assert.ok(await store.layerDir(l.diffID));
      assert.equal(await store.content.has(l.desc.digest), true);
    }
    assert.equal(await store.content.has(kept.manifest.digest), true);
    assert.ok(await store.layerDir(g1!.diffID), 'held here');
    assert.ok(await store.layerDir(g2!.diffID), 'held by another process');
    assert.equal(await store.layerDir(g3!.diffID), undefined);
    for (const l of gone.layers) assert.equal(await store.content.has(l.desc.digest), false);
    assert.equal(await store.content.has(gone.manifest.digest), false);

    await release();
    other.proc.kill('SIGKILL');
    await other.exited.catch(() => {});
    await store.gc();
    assert.equal(await store.layerDir(g1!.diffID), undefined);
    assert.equal(await store.layerDir(g2!.diffID), undefined, "a dead process's hold ends with it");
    assert.deepEqual(await readdir(join(dir, 'holds')), []);
  });

  test('over the size budget, gc evicts unheld layers and then images, least recently used first', async () => {
    const dir = join(base, `store-${n++}`);
    const probe = await openImageStore(join(base, `store-${n++}`), { gcGraceMs: 0 });
    const sample = await addImage(probe, 'sample:1', ['a', 'b']);
    await unpackAll(probe, sample);
    const blobBytes = (await probe.content.list()).reduce((s, b) => s + b.size, 0);
    const layerBytes = 2 * 5000; // bytes of file content per image

    // budget fits both images' blobs and one image's layers
    const store = await openImageStore(dir, { gcGraceMs: 0, maxBytes: 2 * blobBytes + layerBytes + 100 });
    const old = await addImage(store, 'old:1', ['a', 'b']);
    const recent = await addImage(store, 'recent:1', ['a', 'b']);
    await unpackAll(store, old);
    await new Promise((r) => setTimeout(r, 20));
    await unpackAll(store, recent);
    await store.gc();
    for (const l of old.layers) assert.equal(await store.layerDir(l.diffID), undefined, 'old layers evicted');
    for (const l of recent.layers) assert.ok(await store.layerDir(l.diffID), 'recent layers kept');
    assert.ok(await store.getRef('old:1'), 'blobs still fit: image kept');

    // room for one image's blobs plus the held layers: the least recently used image goes
    const tight = await openImageStore(dir, { gcGraceMs: 0, maxBytes: blobBytes + layerBytes + 200 });
    await new Promise((r) => setTimeout(r, 20));
    await tight.getRef('old:1');
    const release = await tight.hold(recent.layers.map((l) => l.diffID));
    await tight.gc();
    assert.equal(await tight.getRef('recent:1'), undefined, 'recent:1 was used longest ago');
    assert.ok(await tight.getRef('old:1'));
    for (const l of recent.layers) assert.ok(await tight.layerDir(l.diffID), 'held layers survive eviction');
    await release();
  });
});
