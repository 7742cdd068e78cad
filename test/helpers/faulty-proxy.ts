import { createServer, request } from 'node:http';
import { after } from 'node:test';
import { freePort } from '../../lib/net.js';

/** What the proxy does to a blob GET: flip a byte, cut the connection halfway, or answer 503. */
export type BlobFault = 'corrupt' | 'drop' | 'unavailable';

export interface FaultyProxy {
  /** host:port to use in image references instead of the registry's. */
  host: string;
  /** Injects `fault` into the next `times` GETs of blob `digest` (default: every one). */
  inject(digest: string, fault: BlobFault, times?: number): void;
  /** How many GETs of each blob digest went through. */
  blobGets: Map<string, number>;
}

/**
 * A plain HTTP proxy in front of a registry on 127.0.0.1 that misbehaves on command for blob
 * downloads; everything else passes through untouched. Closed after the enclosing suite.
 */
export async function startFaultyProxy(upstreamHost: string): Promise<FaultyProxy> {
  const [upHost, upPort] = upstreamHost.split(':');
  const faults = new Map<string, { fault: BlobFault; left: number }>();
  const blobGets = new Map<string, number>();
  const server = createServer((req, res) => {
    const digest =
      req.method === 'GET' ? /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1] : undefined;
    const rule = digest ? faults.get(digest) : undefined;
    if (digest) blobGets.set(digest, (blobGets.get(digest) ?? 0) + 1);
    const active = rule && rule.left > 0 ? rule.fault : undefined;
    if (rule && active) rule.left--;
    if (active === 'unavailable') {
      res.writeHead(503, { 'retry-after': '0' }).end('try later');
      return;
    }
    const upstream = request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const total = Number(up.headers['content-length'] ?? 0);
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (active === 'drop' && sent + chunk.length >= total / 2) {
            res.write(chunk.subarray(0, Math.max(0, Math.floor(total / 2) - sent)));
            up.destroy();
            res.socket?.destroy();
            return;
          }
          if (active === 'corrupt' && sent <= total / 2 && sent + chunk.length > total / 2) {
            const copy = Buffer.from(chunk);
            const at = Math.floor(total / 2) - sent;
            copy[at] = (copy[at] ?? 0) ^ 0xff;
            chunk = copy;
          }
          sent += chunk.length;
          res.write(chunk);
        });
        up.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    host: `127.0.0.1:${port}`,
    blobGets,
    inject: (digest, fault, times = Number.POSITIVE_INFINITY) => faults.set(digest, { fault, left: times }),
  };
}
