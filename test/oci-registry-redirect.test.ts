import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { freePort } from '../lib/net.js';
import { parseReference } from '../runner/oci/index.js';
import { httpAllowed } from '../runner/oci/registry/auth.js';
import { RegistryClient } from '../runner/oci/registry/client.js';

/** A tiny HTTP server on 127.0.0.1 that records requests; closed after the file. */
async function server(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const seen: Array<{ method: string; url: string; authorization?: string }> = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res, Buffer.concat(chunks));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { port, seen };
}

const blob = Buffer.from('blob bytes');
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

test('Authorization is not forwarded to a redirect on another host; relative upload Locations keep their query', async () => {
  const storage = await server((_req, res) => res.end(blob));
  const uploaded: Buffer[] = [];
  const registry = await server((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
    } else if (url.pathname === '/v2/') {
      res.end('{}');
    } else if (req.method === 'GET' && url.pathname === `/v2/app/blobs/${digest}`) {
      res.writeHead(307, { location: `http://localhost:${storage.port}/bucket/obj?sig=1` }).end();
    } else if (req.method === 'HEAD') {
      res.writeHead(404).end();
    } else if (req.method === 'POST') {
      res.writeHead(202, { location: '/v2/app/blobs/uploads/abc?_state=opaque' }).end();
    } else if (req.method === 'PUT' && url.pathname === '/v2/app/blobs/uploads/abc') {
      assert.equal(url.searchParams.get('_state'), 'opaque');
      assert.equal(url.searchParams.get('digest'), digest);
      uploaded.push(body);
      res.writeHead(201).end();
    } else {
      res.writeHead(404).end();
    }
  });
  const client = new RegistryClient({ credentials: async () => ({ username: 'u', password: 'p' }) });
  const ref = parseReference(`127.0.0.1:${registry.port}/app:v1`);
  const received = await client.fetchBlob(
    ref,
    { mediaType: 'x', digest, size: blob.length },
    async (body) => {
      const parts: Uint8Array[] = [];
      for await (const c of body) parts.push(c);
      return Buffer.concat(parts);
    },
  );
  assert.deepEqual(received, blob);
  assert.equal(storage.seen.length, 1);
  assert.equal(storage.seen[0]?.authorization, undefined, 'credentials stay with the registry host');
  assert.equal(storage.seen[0]?.url, '/bucket/obj?sig=1');

  const how = await client.pushBlob(ref, { mediaType: 'x', digest, size: blob.length }, async function* () {
    yield blob;
  });
  assert.equal(how, 'uploaded');
  assert.deepEqual(uploaded, [blob]);
});

test('plain HTTP only for loopback hosts and hosts marked insecure', () => {
  const allow = httpAllowed(['reg.internal:5000']);
  assert.equal(allow('127.0.0.1:5000'), true);
  assert.equal(allow('localhost:5000'), true);
  assert.equal(allow('[::1]:5000'), true);
  assert.equal(allow('reg.internal:5000'), true);
  assert.equal(allow('reg.internal:5001'), false);
  assert.equal(allow('registry.example.com'), false);
  assert.equal(allow('127.0.0.1.example.com'), false);
});
