import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pull } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';

/**
 * A pipeline's `image:` naming a host-local service must not make the runner talk to it, and
 * what a non-registry answers must not land in a log beyond a short, clean excerpt.
 */
let server: Server;
let port = 0;
let requests = 0;
const BODY = `\u001b[31mSECRET-ADMIN-PAGE\u001b[0m ${'x'.repeat(5000)}\r\ninjected line`;

before(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

describe('job images on host-only addresses', () => {
  const f = useExecutorFixture();

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`image ${host}:PORT/x fails clearly and the host-local service gets no request`, async () => {
      const spec = f
        .plan(`jobs:\n  probe:\n    image: ${host}:${port}/admin:latest\n    steps:\n      - run: 'true'\n`)
        .get('probe')!;
      const before = requests;
      const { result, out } = await f.run(spec);
      assert.equal(result.status, 'failure', out);
      assert.match(
        result.steps[0]?.message ?? '',
        /host-only address \((127\.0\.0\.1|::1)\).*--allow-registry/,
      );
      assert.equal(requests, before, 'not a single request reached the host-local service');
      assert.doesNotMatch(out, /SECRET-ADMIN-PAGE/);
    });
  }
});

it("a non-registry's answer is quoted short and clean, never as it came", async () => {
  // The operator's own client may talk to loopback; what answers is still untrusted.
  const client = new RegistryClient({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const err = await pull(
    client,
    await (await import('../runner/oci/index.js')).openImageStore(
      await (await import('./helpers/tmp.js')).tempDir('host-only'),
    ),
    `127.0.0.1:${port}/x:1`,
  ).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(err, 'the pull fails');
  assert.match(err.message, /answered 404/);
  assert.ok(err.message.length < 400, `message of ${err.message.length} characters`);
  assert.ok(!/\p{Cc}/u.test(err.message), 'no escape sequences or line breaks from the body');
  assert.doesNotMatch(err.message, /injected line/);
});
