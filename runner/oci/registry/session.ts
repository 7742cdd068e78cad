import { SlipwayError } from '../../../lib/errors.js';
import { log } from '../../../lib/log.js';
import { registryApiHost } from '../reference.js';
import { basicHeader, TokenCache } from './auth.js';
import { type Challenge, parseWwwAuthenticate } from './challenge.js';
import type { Credential, CredentialLookup } from './credentials.js';
import { responseError } from './errors.js';
import { type HttpInit, type HttpResponse, httpRequest, type RequestGuard } from './http.js';

const logger = log.child({ module: 'oci/registry' });
const MAX_REDIRECTS = 5;

/**
 * One registry host: its base URL (found by pinging `/v2/`), its auth challenge and cached
 * tokens. Requests carry the right Authorization for their scopes; redirects are followed by
 * hand so Authorization never reaches another host. Created lazily by RegistryClient.
 */
export class RegistrySession {
  private base?: Promise<{ url: URL; challenge?: Challenge }>;
  private tokens?: TokenCache;
  private credentialLoaded?: Promise<void>;
  private credential?: Credential;

  constructor(
    readonly registry: string,
    private readonly credentials: CredentialLookup,
    private readonly allowHttp: (host: string) => boolean,
    private readonly guard?: RequestGuard,
  ) {}

  /** Pings `/v2/` once (https first; plain http only where allowed) and remembers the result. */
  ping(): Promise<{ url: URL; challenge?: Challenge }> {
    this.base ??= this.doPing().catch((err) => {
      this.base = undefined;
      throw err;
    });
    return this.base;
  }

  private async doPing(): Promise<{ url: URL; challenge?: Challenge }> {
    const host = registryApiHost(this.registry);
    const schemes = this.allowHttp(host) ? ['https', 'http'] : ['https'];
    let lastErr: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}://${host}/v2/`);
      let res: HttpResponse;
      try {
        res = await httpRequest(url, {}, this.guard);
      } catch (err) {
        const refused = err instanceof SlipwayError ? err : (err as { cause?: unknown }).cause;
        if (refused instanceof SlipwayError && refused.context.address) throw refused;
        lastErr = err;
        continue;
      }
      if (res.ok) {
        await res.discard();
        return { url };
      }
      if (res.status === 401) {
        await res.discard();
        const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
        const challenge =
          challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
        return challenge ? { url, challenge } : { url };
      }
      throw await responseError(res, `ping of ${url}`, this.registry);
    }
    const cause =
      (lastErr as { cause?: { message?: string } })?.cause?.message ?? (lastErr as Error)?.message;
    throw new SlipwayError(
      `cannot reach registry ${this.registry} (${schemes.join(', then ')}): ${cause}${schemes.length === 1 ? ` (if it speaks plain HTTP, mark it insecure with --insecure-registry ${this.registry})` : ''}`,
      { category: 'temporary', context: { registry: this.registry }, cause: lastErr },
    );
  }

  private async loadCredential(): Promise<void> {
    this.credentialLoaded ??= this.credentials(this.registry).then((c) => {
      this.credential = c;
      this.tokens = new TokenCache(this.registry, c, this.allowHttp, this.guard);
    });
    await this.credentialLoaded;
  }

  private async authorization(
    challenge: Challenge | undefined,
    scopes: string[],
  ): Promise<string | undefined> {
    if (!challenge) return undefined;
    await this.loadCredential();
    if (challenge.scheme === 'basic') return this.credential ? basicHeader(this.credential) : undefined;
    if (challenge.scheme === 'bearer') return this.tokens!.header(challenge, scopes);
    return undefined;
  }

  /**
   * One request to `pathOrUrl` (relative to `/v2/`, or absolute as in a `Location` header)
   * with auth for `scopes`. A 401 refreshes the token once (with any scope the registry asks
   * for) before giving up with a clear error (only when the body, if any, is bytes: a stream
   * cannot be sent twice). Other statuses are returned for the caller.
   */
  async request(pathOrUrl: string | URL, init: HttpInit, scopes: string[]): Promise<HttpResponse> {
    const { url: base, challenge } = await this.ping();
    const url = new URL(pathOrUrl, base);
    this.refusePlainHttp(url, 'sent');
    let auth = await this.authorization(challenge, scopes);
    let res = await this.fetchFollowing(url, init, auth);
    if (res.status === 401 && challenge) {
      await res.discard();
      const again = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '').find(
        (c) => c.scheme === 'bearer',
      );
      if (challenge.scheme === 'bearer' && again && (init.body == null || init.body instanceof Uint8Array)) {
        const asked = again.params.scope?.split(' ').filter(Boolean) ?? [];
        this.tokens!.clear();
        auth = await this.authorization(challenge, [...new Set([...scopes, ...asked])]);
        res = await this.fetchFollowing(url, init, auth);
        if (res.status !== 401) return res;
        await res.discard();
      }
      throw this.deniedError(scopes);
    }
    if (res.status === 401) {
      await res.discard();
      throw this.deniedError(scopes);
    }
    return res;
  }

  /** Throws unless `url` is https or its host may be spoken to in plain HTTP. */
  private refusePlainHttp(url: URL, how: string): void {
    if (url.protocol === 'https:' || (url.protocol === 'http:' && this.allowHttp(url.host))) return;
    throw new SlipwayError(
      `registry ${this.registry} ${how} a plain-HTTP URL on ${url.host}; refusing it (mark ${url.host} insecure with --insecure-registry ${url.host} to allow it)`,
      { category: 'permanent', context: { registry: this.registry, host: url.host } },
    );
  }

  private deniedError(scopes: string[]): SlipwayError {
    const what = scopes.join(' ') || '/v2/';
    return new SlipwayError(
      this.credential
        ? `registry ${this.registry} denied user "${this.credential.username}" (${what}): wrong username or password, or no access`
        : `registry ${this.registry} denied anonymous access (${what}): it needs credentials and none were found`,
      { category: 'permanent', context: { registry: this.registry } },
    );
  }

  private async fetchFollowing(url: URL, init: HttpInit, auth: string | undefined): Promise<HttpResponse> {
    let current = url;
    const origin = url.host;
    for (let hop = 0; ; hop++) {
      const headers = { ...init.headers };
      if (auth && current.host === origin) headers.authorization = auth;
      const res = await httpRequest(current, { ...init, headers }, this.guard);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location || res.status === 304) return res;
      await res.discard();
      if (hop >= MAX_REDIRECTS)
        throw new SlipwayError(`registry ${this.registry}: too many redirects from ${url}`);
      const next = new URL(location, current);
      logger.debug({ from: current.href, to: next.host }, 'following redirect');
      this.refusePlainHttp(next, 'redirected to');
      current = next;
      if (init.method === 'HEAD' || !init.method || init.method === 'GET') continue;
      throw new SlipwayError(`registry ${this.registry} redirected a ${init.method} request`);
    }
  }
}
