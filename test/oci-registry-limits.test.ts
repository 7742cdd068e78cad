import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { freePort } from '../lib/net.js';
import { parseReference } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';

/** A hostile registry on 127.0.0.1: every manifest is 5 MiB, sent with or without a length. */
async function hugeManifestRegistry() {
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
  const srv = createServer((req, res) => {
    if (req.url === '/v2/') return void res.end('{}');
    const chunked = req.url?.includes('chunked');
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      ...(chunked ? {} : { 'content-length': String(huge.length) }),
    });
    if (!chunked) return void res.end(huge);
    for (let i = 0; i < huge.length; i += 256 * 1024) res.write(huge.subarray(i, i + 256 * 1024));
    res.end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  );
  return `127.0.0.1:${port}`;
}

test('a manifest over 4 MiB is refused with a clear error, whether or not its length is declared', async () => {
  const host = await hugeManifestRegistry();
  const client = new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });
  for (const tag of ['declared', 'chunked']) {
    const ref = parseReference(`${host}/app:${tag}`);
    await assert.rejects(client.getManifest(ref, tag), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`manifest ${host}/app:${tag} from registry ${host} is over 4194304 bytes`),
      );
      return true;
    });
  }
});
