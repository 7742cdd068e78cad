import { SlipwayError } from '../../../lib/errors.js';
import { log } from '../../../lib/log.js';
import { MANIFEST_ACCEPT, verifyDigest } from '../manifest.js';
import { formatReference, type ImageReference } from '../reference.js';
import { digestOf } from '../store/digest.js';
import type { Descriptor, Digest } from '../types.js';
import { httpAllowed } from './auth.js';
import { type CredentialLookup, credentialLookup } from './credentials.js';
import { responseError } from './errors.js';
import { BodyTooLarge } from './http.js';
import { DEFAULT_RETRY, isRetryable, type RetryPolicy, withRetry } from './retry.js';
import { RegistrySession } from './session.js';
import { uploadBlobTo } from './upload.js';

const logger = log.child({ module: 'oci/registry' });

export interface RegistryClientOptions {
  /**
   * Registries on loopback or link-local addresses this client may contact: `'any'` (default:
   * the operator's own commands) or a list of `host[:port]`; everything else host-only is
   * refused before a byte is sent. A runner host restricts the clients its jobs use.
   */
  hostOnly?: HostOnlyPolicy;
  /** Where credentials come from; default: Docker's config file. */
  credentials?: CredentialLookup;
  /** Registry hosts allowed over plain HTTP (loopback hosts always are). */
  insecure?: readonly string[];
  retry?: RetryPolicy;
  /**
   * Blobs up to this size are uploaded in one streamed PUT; larger ones in PATCH chunks
   * (default 128 MiB: a PUT streams from the file, so size costs no memory).
   */
  monolithicMaxBytes?: number;
  /** Chunk size for chunked uploads (default 64 MiB; each chunk streams, none is buffered). */
  chunkBytes?: number;
}

import { type HostOnlyPolicy, requestGuard } from './host-only.js';
import type { RequestGuard } from './http.js';
import type { BlobSource } from './upload.js';

export type { BlobSource };

/**
 * The distribution-spec client (the `Registry` seam of DESIGN.md). Stateless for callers: it
 * keeps one RegistrySession (base URL, challenge, tokens) per registry host. Every call retries
 * temporary failures (429, 5xx, resets) with backoff; permanent ones throw a SlipwayError
 * naming the registry.
 */
export class RegistryClient {
  private readonly sessions = new Map<string, RegistrySession>();
  private readonly retryPolicy: RetryPolicy;
  private readonly allowHttp: (host: string) => boolean;
  private readonly credentials: CredentialLookup;
  private readonly guards = new Map<string, RequestGuard | undefined>();

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.retryPolicy = opts.retry ?? DEFAULT_RETRY;
    this.allowHttp = httpAllowed(opts.insecure ?? []);
    this.credentials = opts.credentials ?? credentialLookup();
  }

  session(registry: string): RegistrySession {
    let s = this.sessions.get(registry);
    if (!s) {
      if (!this.guards.has(registry))
        this.guards.set(registry, requestGuard(this.opts.hostOnly ?? 'any', registry));
      s = new RegistrySession(registry, this.credentials, this.allowHttp, this.guards.get(registry));
      this.sessions.set(registry, s);
    }
    return s;
  }

  /** Runs `fn` with retries; a final network-level failure becomes a SlipwayError naming `what`. */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, this.retryPolicy, (err, attempt, delayMs) =>
        logger.warn(
          { what, attempt, delayMs, err: (err as Error).message },
          'retrying after a temporary failure',
        ),
      );
    } catch (err) {
      if (err instanceof SlipwayError && !(err.temporary && this.retryPolicy.attempts > 1)) throw err;
      if (err instanceof SlipwayError)
        throw new SlipwayError(`${err.message}; gave up after ${this.retryPolicy.attempts} attempts`, {
          category: 'temporary',
          context: err.context,
          cause: err,
        });
      const tries = isRetryable(err) ? ` after ${this.retryPolicy.attempts} attempts` : '';
      throw new SlipwayError(`${what} failed${tries}: ${networkReason(err)}`, {
        category: 'temporary',
        cause: err,
      });
    }
  }

  /** Checks that the registry answers `/v2/` and that our credentials (if any) are usable. */
  async ping(registry: string): Promise<void> {
    await this.retry(`ping ${registry}`, () => this.session(registry).ping());
  }

  /**
   * Checks that the registry accepts our credentials for `registry` (what `slipway login`
   * does before saving them): an authenticated `/v2/` (Basic), or a token with no scope
   * from the token server (Bearer). Wrong ones throw a permanent SlipwayError naming the
   * registry and the user. A registry that asks for no auth accepts anything.
   */
  async checkCredentials(registry: string): Promise<void> {
    await this.retry(`login to ${registry}`, async () => {
      const res = await this.session(registry).request('', {}, []);
      if (!res.ok) throw await responseError(res, `login to ${registry}`, registry);
      await res.discard();
    });
  }

  /**
   * Fetches the manifest or index `selector` (a tag or digest) of `ref`, verifying its digest
   * against the requested digest or the registry's Docker-Content-Digest header.
   */
  async getManifest(
    ref: ImageReference,
    selector: string,
  ): Promise<{ bytes: Buffer; digest: Digest; contentType: string | undefined }> {
    const what = `${ref.registry}/${ref.repository}:${selector}`;
    return this.retry(`manifest ${what}`, async () => {
      const res = await this.session(ref.registry).request(
        `${ref.repository}/manifests/${selector}`,
        { headers: { accept: MANIFEST_ACCEPT } },
        [pullScope(ref.repository)],
      );
      if (res.status === 404) {
        await res.discard();
        throw new SlipwayError(`manifest unknown: ${what} not found in registry ${ref.registry}`, {
          category: 'permanent',
          context: { image: what, registry: ref.registry },
        });
      }
      if (!res.ok) throw await responseError(res, `manifest ${what}`, ref.registry);
      const bytes = await res.bytes().catch((err: unknown) => {
        if (!(err instanceof BodyTooLarge)) throw err;
        throw new SlipwayError(
          `manifest ${what} from registry ${ref.registry} is over ${err.maxBytes} bytes; refusing it`,
          { category: 'permanent', context: { image: what, registry: ref.registry } },
        );
      });
      const expected = selector.includes(':')
        ? selector
        : (res.headers.get('docker-content-digest') ?? undefined);
      if (expected) verifyDigest(bytes, expected, `manifest ${what}`);
      return {
        bytes,
        digest: expected ?? digestOf(bytes),
        contentType: res.headers.get('content-type') ?? undefined,
      };
    });
  }

  /**
   * Streams blob `desc` of `ref` into `sink`. The whole fetch + sink runs again on a temporary
   * failure (a reset mid-body included), so `sink` must be safe to repeat (the content store's
   * verified write is). The sink owns digest verification.
   */
  async fetchBlob<T>(
    ref: ImageReference,
    desc: Descriptor,
    sink: (body: AsyncIterable<Uint8Array>) => Promise<T>,
  ): Promise<T> {
    const what = `blob ${desc.digest} of ${ref.registry}/${ref.repository}`;
    return this.retry(what, async () => {
      const res = await this.session(ref.registry).request(`${ref.repository}/blobs/${desc.digest}`, {}, [
        pullScope(ref.repository),
      ]);
      if (!res.ok) throw await responseError(res, what, ref.registry);
      try {
        return await sink(res.body);
      } finally {
        await res.discard();
      }
    });
  }

  /** Whether blob `digest` exists in `ref`'s repository (HEAD). */
  async hasBlob(ref: ImageReference, digest: Digest): Promise<boolean> {
    return this.retry(`HEAD ${digest}`, async () => {
      const res = await this.session(ref.registry).request(
        `${ref.repository}/blobs/${digest}`,
        { method: 'HEAD' },
        [pushScope(ref.repository)],
      );
      await res.discard();
      if (res.ok) return true;
      if (res.status === 404) return false;
      throw await responseError(res, `HEAD blob ${digest}`, ref.registry);
    });
  }

  /**
   * Uploads blob `desc` to `ref`'s repository unless it is there already. With `mountFrom` (a
   * repository on the same registry) it asks for a cross-repo mount first and uploads when
   * the registry declines. Returns how the blob got there. `knownMissing` skips the HEAD when
   * the caller has just checked (push() checks every blob at once before uploading).
   */
  async pushBlob(
    ref: ImageReference,
    desc: Descriptor,
    source: BlobSource,
    mountFrom?: string,
    knownMissing = false,
  ): Promise<'exists' | 'mounted' | 'uploaded'> {
    if (!knownMissing && (await this.hasBlob(ref, desc.digest))) return 'exists';
    return this.retry(`upload ${desc.digest} to ${ref.registry}/${ref.repository}`, () =>
      uploadBlobTo(this.session(ref.registry), ref, desc, source, {
        mountFrom: mountFrom !== ref.repository ? mountFrom : undefined,
        monolithicMaxBytes: this.opts.monolithicMaxBytes ?? 128 * 1024 * 1024,
        chunkBytes: this.opts.chunkBytes ?? 64 * 1024 * 1024,
      }),
    );
  }

  /** PUTs a manifest or index under `tagOrDigest`; returns its digest (checked against the registry's). */
  async putManifest(
    ref: ImageReference,
    tagOrDigest: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<Digest> {
    const digest = digestOf(bytes);
    const target = formatReference({ ...ref, tag: tagOrDigest.includes(':') ? undefined : tagOrDigest });
    return this.retry(`PUT manifest ${target}`, async () => {
      const res = await this.session(ref.registry).request(
        `${ref.repository}/manifests/${tagOrDigest}`,
        { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes },
        [pushScope(ref.repository)],
      );
      if (res.status !== 201 && !res.ok)
        throw await responseError(res, `PUT manifest ${target}`, ref.registry);
      await res.discard();
      const theirs = res.headers.get('docker-content-digest');
      if (theirs && theirs !== digest)
        throw new SlipwayError(
          `registry ${ref.registry} stored manifest ${target} as ${theirs}, expected ${digest}`,
        );
      return digest;
    });
  }
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/** "connection closed by the server (UND_ERR_SOCKET)" rather than undici's bare "terminated". */
function networkReason(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { message?: string; code?: string; cause?: unknown } | undefined, i = 0;
    e && i < 4;
    i++
  ) {
    if (e.message && e.message !== 'terminated' && e.message !== 'fetch failed') parts.push(e.message);
    if (e.code) parts.push(`(${e.code})`);
    e = e.cause as typeof e;
  }
  return parts.join(' ') || String(err);
}
