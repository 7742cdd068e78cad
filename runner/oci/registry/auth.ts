import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import type { Challenge } from './challenge.js';
import type { Credential } from './credentials.js';
import { isLoopbackHost, responseError } from './errors.js';
import { httpRequest, type RequestGuard } from './http.js';

const tokenResponseSchema = z.object({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});

/** The lifetime the token spec gives a token whose reply has no `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token answer is a small JSON object; more than this is refused. */
const TOKEN_BODY_MAX = 1 << 20;

export function basicHeader(cred: Credential): string {
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

/**
 * Bearer tokens for one registry, cached per set of scopes until shortly before they expire.
 * Anonymous when there is no credential. Safe for concurrent use: one fetch per scope set.
 */
export class TokenCache {
  private readonly tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  constructor(
    private readonly registry: string,
    private readonly credential: Credential | undefined,
    private readonly allowHttp: (host: string) => boolean,
    private readonly guard?: RequestGuard,
  ) {}

  /** `Bearer …` for `scopes` under `challenge` (realm, service). */
  async header(challenge: Challenge, scopes: string[]): Promise<string> {
    const key = `${challenge.params.realm} ${challenge.params.service ?? ''} ${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    const pending = this.fetchToken(challenge, scopes);
    this.tokens.set(key, pending);
    pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
    return `Bearer ${(await pending).token}`;
  }

  /** Forgets every cached token (after a 401 that says a token was not good enough). */
  clear(): void {
    this.tokens.clear();
  }

  private async fetchToken(
    challenge: Challenge,
    scopes: string[],
  ): Promise<{ token: string; expiresAt: number }> {
    const realm = challenge.params.realm;
    if (!realm) throw new SlipwayError(`registry ${this.registry} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new SlipwayError(`registry ${this.registry} sent an invalid token realm "${realm}"`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowHttp(url.host)))
      throw new SlipwayError(
        `registry ${this.registry}: refusing to send credentials to token realm ${realm} over plain HTTP (mark ${url.host} insecure to allow it)`,
        { category: 'permanent', context: { registry: this.registry } },
      );
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credential) headers.authorization = basicHeader(this.credential);
    const started = Date.now();
    const res = await httpRequest(url, { headers }, this.guard);
    if (res.status === 401 || res.status === 403) {
      await res.discard();
      throw new SlipwayError(
        this.credential
          ? `authentication to registry ${this.registry} failed for user "${this.credential.username}": wrong username or password (token server ${url.host} answered ${res.status})`
          : `registry ${this.registry} needs credentials: its token server ${url.host} refused anonymous access`,
        { category: 'permanent', context: { registry: this.registry, status: res.status } },
      );
    }
    if (!res.ok) throw await responseError(res, `token request to ${url.host}`, this.registry);
    const body = tokenResponseSchema.safeParse(
      await res
        .bytes(TOKEN_BODY_MAX)
        .then((b) => JSON.parse(b.toString('utf8')) as unknown)
        .catch(() => undefined),
    );
    const token = body.success ? (body.data.token ?? body.data.access_token) : undefined;
    if (!token || !body.success)
      throw new SlipwayError(`token server ${url.host} for registry ${this.registry} returned no token`);
    // The lifetime the server states, even a short one (a token kept past it earns a 401 that
    // a streamed upload cannot recover from); renewed a little early: 10 s, or a tenth of it.
    const lifetimeMs = Math.max(0, body.data.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000;
    return { token, expiresAt: started + lifetimeMs - Math.min(10_000, lifetimeMs / 10) };
  }
}

/** True for hosts where plain HTTP is allowed: loopback, or listed as insecure. */
export function httpAllowed(insecure: readonly string[]): (host: string) => boolean {
  return (host) => isLoopbackHost(host) || insecure.includes(host);
}
