import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/tmp.js';
import { FileContentStore } from './content.js';
import { digestOf } from './digest.js';

async function freshStore(): Promise<FileContentStore> {
  const store = new FileContentStore(await tempDir('content-store'));
  await store.init();
  return store;
}

/** `data` as a stream of uneven chunks (1 byte up to ~300 KiB), like a network body. */
async function* unevenChunks(data: Buffer, onChunk?: (offset: number) => void) {
  const sizes = [1, 7, 65_536, 300_000, 4093];
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const end = Math.min(data.length, offset + sizes[i % sizes.length]!);
    onChunk?.(offset);
    yield data.subarray(offset, end);
    offset = end;
  }
}

test('a streamed write spanning several write batches stores exactly the bytes sent', async () => {
  const store = await freshStore();
  const data = randomBytes(11 * 1024 * 1024 + 123);
  const written = await store.write(unevenChunks(data), { digest: digestOf(data), size: data.length });
  assert.deepEqual(written, { digest: digestOf(data), size: data.length });
  assert.ok((await readFile(await store.blobPath(written.digest))).equals(data));
  assert.deepEqual(await readdir(store.tmpDir), []);
});

test('a source failing after batches were written leaves no blob and no temp file', async () => {
  const store = await freshStore();
  const data = randomBytes(9 * 1024 * 1024);
  async function* failsLate() {
    for await (const chunk of unevenChunks(data.subarray(0, 8 * 1024 * 1024))) yield chunk;
    throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  }
  await assert.rejects(
    store.write(failsLate(), { digest: digestOf(data), size: data.length }),
    /other side closed/,
  );
  assert.equal(await store.has(digestOf(data)), false);
  assert.deepEqual(await readdir(store.tmpDir), []);
});

test('a source longer than the expected size is not read to its end and nothing is stored', async () => {
  const store = await freshStore();
  const data = randomBytes(6 * 1024 * 1024);
  let furthest = 0;
  const expected = { digest: digestOf(data.subarray(0, 1024 * 1024)), size: 1024 * 1024 };
  await assert.rejects(
    store.write(
      unevenChunks(data, (o) => (furthest = o)),
      expected,
    ),
    /size mismatch \(expected 1048576 bytes, got \d+\+\)/,
  );
  assert.ok(furthest < 2 * 1024 * 1024, `stopped reading early (read up to ${furthest})`);
  assert.deepEqual(await readdir(store.tmpDir), []);
  assert.deepEqual(await store.list(), []);
});

test('a wrong digest after a multi-batch write is refused and cleaned up', async () => {
  const store = await freshStore();
  const data = randomBytes(5 * 1024 * 1024);
  const wrong = digestOf(Buffer.from('something else'));
  await assert.rejects(
    store.write(unevenChunks(data), { digest: wrong, size: data.length }),
    /digest mismatch/,
  );
  assert.deepEqual(await readdir(store.tmpDir), []);
  assert.deepEqual(await store.list(), []);
});
