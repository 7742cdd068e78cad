import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { after } from 'node:test';
import { freePort } from '../../lib/net.js';

/**
 * What the proxy does to a blob GET: flip a byte, cut the connection halfway, answer 503, or
 * answer 429 with `Retry-After: 1`.
 */
export type BlobFault = 'corrupt' | 'drop' | 'unavailable' | 'throttle';

/**
 * What the proxy does to a manifest GET: serve other bytes (the same JSON, re-indented, so it
 * still parses) or keep the bytes and send a `Docker-Content-Digest` of something else.
 */
export type ManifestFault = 'other-bytes' | 'wrong-digest-header';

/** One request that went through, with the reply it got. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  contentRange: string | undefined;
  status: number;
  /** The `Location` the client saw (rewritten to path + query with `relativeLocations`). */
  location: string | undefined;
  /** When the reply started (performance.now()). */
  at: number;
}

export interface FaultyProxyOptions {
  /** Address to listen on (default 127.0.0.1). */
  listenHost?: string;
  /** Hold every blob GET this long before forwarding it (makes concurrency observable). */
  blobDelayMs?: number;
  /** Turn the registry's absolute `Location` headers into relative ones (path + query). */
  relativeLocations?: boolean;
}

export interface FaultyProxy {
  /** host:port to use in image references instead of the registry's. */
  host: string;
  /** Injects `fault` into the next `times` GETs of blob `digest` (default: every one). */
  inject(digest: string, fault: BlobFault, times?: number): void;
  /** Injects `fault` into every GET of `/manifests/<selector>` (a tag or a digest). */
  injectManifest(selector: string, fault: ManifestFault): void;
  /** How many GETs of each blob digest went through. */
  blobGets: Map<string, number>;
  /** Every request, in the order their replies were sent. */
  requests: ProxiedRequest[];
  /** The most GETs of any of `digests` that were in flight at once (since the last reset). */
  maxBlobsInFlight(digests: readonly string[]): number;
  /** Forgets the in-flight history and the per-blob GET counts. */
  resetCounters(): void;
}

/**
 * A plain HTTP proxy in front of a registry on 127.0.0.1 that misbehaves on command for blob
 * and manifest downloads and records every request; everything else passes through
 * untouched. Closed after the enclosing suite.
 */
export async function startFaultyProxy(
  upstreamHost: string,
  opts: FaultyProxyOptions = {},
): Promise<FaultyProxy> {
  const [upHost, upPort] = upstreamHost.split(':');
  const faults = new Map<string, { fault: BlobFault; left: number }>();
  const manifestFaults = new Map<string, ManifestFault>();
  const blobGets = new Map<string, number>();
  const requests: ProxiedRequest[] = [];
  const intervals: Array<{ digest: string; start: number; end: number }> = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const get = req.method === 'GET';
    const digest = get ? /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1] : undefined;
    const selector = get ? /\/manifests\/([^/?]+)$/.exec(req.url ?? '')?.[1] : undefined;
    const manifestFault = selector ? manifestFaults.get(selector) : undefined;
    const rule = digest ? faults.get(digest) : undefined;
    if (digest) blobGets.set(digest, (blobGets.get(digest) ?? 0) + 1);
    const active = rule && rule.left > 0 ? rule.fault : undefined;
    if (rule && active) rule.left--;
    const record = (status: number, location?: string) =>
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentRange: req.headers['content-range'],
        status,
        location,
        at: performance.now(),
      });
    if (digest) {
      const interval = { digest, start: performance.now(), end: Number.POSITIVE_INFINITY };
      intervals.push(interval);
      res.on('close', () => (interval.end = performance.now()));
    }
    if (active === 'unavailable' || active === 'throttle') {
      const [status, retryAfter] = active === 'throttle' ? [429, '1'] : [503, '0'];
      record(status);
      res.writeHead(status, { 'retry-after': retryAfter }).end('try later');
      return;
    }
    const upstream = request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const headers = { ...up.headers };
        if (opts.relativeLocations && headers.location) {
          const loc = new URL(headers.location, `http://${upstreamHost}`);
          headers.location = loc.pathname + loc.search;
        }
        record(up.statusCode ?? 502, headers.location);
        if (manifestFault && up.statusCode === 200)
          return void serveBadManifest(up, res, headers, manifestFault);
        res.writeHead(up.statusCode ?? 502, headers);
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
  };
  const server = createServer((req, res) => {
    if (digest(req) && opts.blobDelayMs) setTimeout(() => handle(req, res), opts.blobDelayMs);
    else handle(req, res);
  });
  const port = await freePort();
  const listenHost = opts.listenHost ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(port, listenHost, resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    host: `${listenHost}:${port}`,
    blobGets,
    requests,
    inject: (d, fault, times = Number.POSITIVE_INFINITY) => faults.set(d, { fault, left: times }),
    injectManifest: (selector, fault) => manifestFaults.set(selector, fault),
    resetCounters: () => {
      intervals.length = 0;
      blobGets.clear();
    },
    maxBlobsInFlight: (digests) => maxOverlap(intervals.filter((i) => digests.includes(i.digest))),
  };
}

const digest = (req: IncomingMessage) => req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');

/** Reads the upstream manifest whole and sends it back altered by `fault`. */
function serveBadManifest(
  up: IncomingMessage,
  res: ServerResponse,
  headers: IncomingMessage['headers'],
  fault: ManifestFault,
): void {
  const parts: Buffer[] = [];
  up.on('data', (c: Buffer) => parts.push(c));
  up.on('end', () => {
    let body = Buffer.concat(parts);
    if (fault === 'other-bytes') body = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    else {
      const other = createHash('sha256').update('some other manifest').digest('hex');
      headers['docker-content-digest'] = `sha256:${other}`;
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(body);
  });
}

/** The largest number of intervals open at one moment. */
function maxOverlap(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const edges = intervals.flatMap((i) => [
    { at: i.start, step: 1 },
    { at: i.end, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let open = 0;
  let max = 0;
  for (const e of edges) {
    open += e.step;
    max = Math.max(max, open);
  }
  return max;
}
