import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../lib/net.js';
import { parseReference } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { SINGLE_POST_MAX_BYTES } from '../runner/oci/registry/upload.js';
import { tempDir } from './helpers/tmp.js';

type Seen = { method: string; path: string; query: URLSearchParams; body: Buffer };

/** A fake registry on 127.0.0.1 that records every request; `handler` answers blob uploads. */
async function fakeRegistry(handler: (seen: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const srv = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const entry = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks),
      };
      seen.push(entry);
      if (url.pathname === '/v2/') res.end('{}');
      else if (req.method === 'HEAD') res.writeHead(404).end();
      else handler(entry, res);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { ref: parseReference(`127.0.0.1:${port}/app:v1`), seen };
}

const client = new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });
const descriptorOf = (blob: Buffer) => ({
  mediaType: 'application/octet-stream',
  digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
  size: blob.length,
});
const uploads = (seen: Seen[]) => seen.filter((s) => s.method !== 'HEAD' && s.path !== '/v2/');

test('a small blob goes up in one POST when the registry accepts single-POST uploads', async () => {
  const blob = randomBytes(1000);
  const desc = descriptorOf(blob);
  const reg = await fakeRegistry((s, res) => {
    if (s.method === 'POST' && s.query.get('digest') === desc.digest) res.writeHead(201).end();
    else res.writeHead(400).end();
  });
  assert.equal(
    await client.pushBlob(reg.ref, desc, async function* () {
      yield blob;
    }),
    'uploaded',
  );
  const sent = uploads(reg.seen);
  assert.deepEqual(
    sent.map((s) => s.method),
    ['POST'],
    'one request, no PUT',
  );
  assert.deepEqual(sent[0]?.body, blob);
});

test('a registry that ignores single-POST (202) gets the bytes again in a PUT', async () => {
  const blob = randomBytes(1000);
  const desc = descriptorOf(blob);
  const stored: Buffer[] = [];
  const reg = await fakeRegistry((s, res) => {
    if (s.method === 'POST') res.writeHead(202, { location: '/v2/app/blobs/uploads/u1?_state=s' }).end();
    else if (s.method === 'PUT' && s.query.get('_state') === 's' && s.query.get('digest') === desc.digest) {
      stored.push(s.body);
      res.writeHead(201).end();
    } else res.writeHead(400).end();
  });
  assert.equal(
    await client.pushBlob(reg.ref, desc, async function* () {
      yield blob;
    }),
    'uploaded',
  );
  assert.deepEqual(
    uploads(reg.seen).map((s) => s.method),
    ['POST', 'PUT'],
  );
  assert.deepEqual(stored, [blob]);
});

test('a registry that refuses a single-POST body gets the usual empty POST and PUT', async () => {
  const blob = randomBytes(500);
  const desc = descriptorOf(blob);
  const stored: Buffer[] = [];
  const reg = await fakeRegistry((s, res) => {
    if (s.method === 'POST' && s.query.has('digest')) res.writeHead(415).end();
    else if (s.method === 'POST') res.writeHead(202, { location: '/v2/app/blobs/uploads/u3' }).end();
    else if (s.method === 'PUT' && s.query.get('digest') === desc.digest) {
      stored.push(s.body);
      res.writeHead(201).end();
    } else res.writeHead(400).end();
  });
  assert.equal(
    await client.pushBlob(reg.ref, desc, async function* () {
      yield blob;
    }),
    'uploaded',
  );
  assert.deepEqual(
    uploads(reg.seen).map((s) => [s.method, s.body.length]),
    [
      ['POST', blob.length],
      ['POST', 0],
      ['PUT', blob.length],
    ],
  );
  assert.deepEqual(stored, [blob]);
});

test('larger blobs start with an empty POST and stream in one PUT', async () => {
  const blob = randomBytes(SINGLE_POST_MAX_BYTES + 1);
  const desc = descriptorOf(blob);
  const reg = await fakeRegistry((s, res) => {
    if (s.method === 'POST') res.writeHead(202, { location: '/v2/app/blobs/uploads/u2' }).end();
    else if (s.method === 'PUT' && s.query.get('digest') === desc.digest) res.writeHead(201).end();
    else res.writeHead(400).end();
  });
  assert.equal(
    await client.pushBlob(reg.ref, desc, async function* () {
      yield blob.subarray(0, 10);
      yield blob.subarray(10);
    }),
    'uploaded',
  );
  const sent = uploads(reg.seen);
  assert.deepEqual(
    sent.map((s) => [s.method, s.query.has('digest'), s.body.length]),
    [
      ['POST', false, 0],
      ['PUT', true, blob.length],
    ],
  );
});

test('an upload whose connection drops is retried from a fresh read of the file', async () => {
  const blob = randomBytes(3 * 1024 * 1024);
  const desc = descriptorOf(blob);
  const file = join(await tempDir('upload-src'), 'blob');
  await writeFile(file, blob);
  let puts = 0;
  const stored: Buffer[] = [];
  const reg = await fakeRegistry((s, res) => {
    if (s.method === 'POST') res.writeHead(202, { location: `/v2/app/blobs/uploads/u${puts}` }).end();
    else if (s.method === 'PUT' && ++puts === 1) res.socket?.destroy();
    else if (s.method === 'PUT' && s.query.get('digest') === desc.digest) {
      stored.push(s.body);
      res.writeHead(201).end();
    } else res.writeHead(400).end();
  });
  const retrying = new RegistryClient({
    credentials: credentialLookup({ slipway: {}, dockerConfig: false }),
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
  });
  assert.equal(await retrying.pushBlob(reg.ref, desc, () => createReadStream(file)), 'uploaded');
  assert.equal(puts, 2, 'the dropped PUT was retried once');
  assert.equal(stored.length, 1);
  assert.ok(stored[0]?.equals(blob), 'the retried upload carries every byte');
});
