import { STATUS_CODES } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * The HTTP layer under RegistrySession: undici's `request` API over one keep-alive Agent
 * shared by every client in the process. It streams bodies as Node Buffers straight from the
 * socket (no WHATWG stream wrapping or copying, which made `fetch` ~40% slower on blob
 * bodies). Redirects are NOT followed here: the session follows them by hand so
 * Authorization never reaches another host.
 */
const AGENT_OPTIONS = {
  keepAliveTimeout: 10_000,
  keepAliveMaxTimeout: 60_000,
  connectTimeout: 30_000,
  headersTimeout: 120_000,
  bodyTimeout: 300_000,
};
const agent = new Agent(AGENT_OPTIONS);

/**
 * What a restricted client's requests go through: `check` refuses a URL before anything is
 * sent, and `dispatcher` (a keep-alive Agent of its own) resolves names with a guarded lookup.
 */
export interface RequestGuard {
  check(url: URL): void;
  dispatcher: Dispatcher;
}

/** A keep-alive Agent whose sockets resolve names with `lookup` (see host-only.ts). */
export function guardedAgent(lookup: LookupFunction): Dispatcher {
  return new Agent({ ...AGENT_OPTIONS, connect: { lookup } });
}

/** Manifests, indexes and error bodies larger than this are refused (the spec's 4 MiB). */
export const MAX_SMALL_BODY_BYTES = 4 * 1024 * 1024;

/** A response body over the size its caller allows. Permanent: retrying gets the same. */
export class BodyTooLarge extends Error {
  constructor(
    readonly url: URL,
    readonly maxBytes: number,
  ) {
    super(`${url.pathname} sent a body over ${maxBytes} bytes`);
  }
}

/** What a request may send: nothing, bytes, or a stream of bytes (read once). */
export type HttpBody = Uint8Array | Readable | AsyncIterable<Uint8Array> | undefined;

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: HttpBody;
}

/** Read-only view of response headers with fetch's `get` (joined when repeated). */
export interface HeaderView {
  get(name: string): string | null;
}

/**
 * One response. The caller owns the body: it must read it (`bytes`, `text`, iterating
 * `body`) or `discard()` it, or the connection is not returned to the pool.
 */
export class HttpResponse {
  readonly headers: HeaderView;

  constructor(
    private readonly data: Dispatcher.ResponseData,
    readonly url: URL,
  ) {
    const raw = data.headers;
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }

  get status(): number {
    return this.data.statusCode;
  }

  get statusText(): string {
    return STATUS_CODES[this.data.statusCode] ?? '';
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as a stream of Buffers (each chunk is the socket's own buffer, not a copy). */
  get body(): AsyncIterable<Buffer> {
    return this.data.body;
  }

  /**
   * The whole body, which must not exceed `maxBytes` (a registry is untrusted: a manifest or
   * error body is never buffered without a bound). Over the limit it throws `BodyTooLarge`.
   */
  async bytes(maxBytes = MAX_SMALL_BODY_BYTES): Promise<Buffer> {
    const declared = Number(this.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      this.data.body.destroy();
      throw new BodyTooLarge(this.url, maxBytes);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.data.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        this.data.body.destroy();
        throw new BodyTooLarge(this.url, maxBytes);
      }
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /** The first `maxBytes` of the body as text (the rest is dropped), for error messages. */
  async text(maxBytes = 64 * 1024): Promise<string> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.data.body as AsyncIterable<Buffer>) {
      parts.push(chunk.subarray(0, maxBytes - size));
      size += Math.min(chunk.length, maxBytes - size);
      if (size >= maxBytes) {
        this.data.body.destroy();
        break;
      }
    }
    return Buffer.concat(parts).toString('utf8');
  }

  /** Drops the rest of the body (reusing the connection when it is small); never throws. */
  async discard(): Promise<void> {
    await this.data.body.dump({ limit: 256 * 1024 }).catch(() => {});
  }
}

/** One HTTP request, no redirect following. Network failures reject with undici's errors. */
export async function httpRequest(
  url: URL,
  init: HttpInit = {},
  guard?: RequestGuard,
): Promise<HttpResponse> {
  guard?.check(url);
  const data = await request(url, {
    dispatcher: guard?.dispatcher ?? agent,
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: init.headers,
    body: init.body as Dispatcher.DispatchOptions['body'],
    highWaterMark: 1 << 20,
  });
  return new HttpResponse(data, url);
}
