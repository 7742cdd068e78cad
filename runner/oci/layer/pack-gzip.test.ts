import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { blockGzip } from './pack-gzip.js';

async function gzip(data: Buffer, chunk: number): Promise<Buffer> {
  async function* source() {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  }
  const out: Buffer[] = [];
  for await (const b of blockGzip(source())) out.push(b);
  return Buffer.concat(out);
}

test('block gzip reads back with gunzip and does not depend on how the input is chunked', async () => {
  const text = Buffer.from('a line of text that compresses well\n'.repeat(60_000));
  const data = Buffer.concat([text, randomBytes(3 << 20), text.subarray(0, 12_345)]);
  const a = await gzip(data, 65_536);
  const b = await gzip(data, 1_000_003);
  assert.ok(gunzipSync(a).equals(data));
  assert.ok(a.equals(b), 'same bytes in, same bytes out');
});

test('incompressible blocks are stored, compressible ones compressed', async () => {
  const random = randomBytes(4 << 20);
  const stored = await gzip(random, 1 << 20);
  assert.ok(stored.length > random.length && stored.length < random.length * 1.001, `${stored.length}`);
  const text = Buffer.from('0123456789abcdef'.repeat(1 << 18));
  assert.ok((await gzip(text, 1 << 16)).length < text.length / 20);
});

test('an empty input is a valid empty gzip', async () => {
  assert.equal(gunzipSync(await gzip(Buffer.alloc(0), 1)).length, 0);
});
