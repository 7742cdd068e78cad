import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Redis } from '../../lib/redis.js';
import { type ApiTokenInfo, type RepoStore, verifyApiToken } from '../store/index.js';
import { ApiError } from './errors.js';

/** What the auth middleware needs: Redis for API tokens, the repositories for `public`. */
export interface AuthDeps {
  redis: Redis;
  repos: RepoStore;
}

/** Hono env of API routes: `caller` is the API token's holder, when a valid one was sent. */
export type ApiEnv = { Variables: { caller?: ApiTokenInfo } };

/** The cookie in which the web pages keep a viewer's API token (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'slipway_token';

/** The bearer token of a request, or undefined when it sent none. */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ApiError(401, 'unauthorized', 'the Authorization header must be `Bearer <token>`');
  return m[1];
}

/**
 * The pages' cookie token of a GET or HEAD (the log view's EventSource and fetches send no
 * header). Reads only: a write never takes its token from a cookie, so no page elsewhere can
 * make a browser write on its holder's behalf.
 */
export function cookieToken(c: Context): string | undefined {
  return c.req.method === 'GET' || c.req.method === 'HEAD' ? getCookie(c, TOKEN_COOKIE) : undefined;
}

/** Sets `caller` when the request carries a valid API token (or, reading, the pages' cookie); a bad bearer token is a 401, none is fine. */
export function optionalToken(deps: Pick<AuthDeps, 'redis'>): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const token = bearerToken(c);
    if (token !== undefined) {
      const caller = await verifyApiToken(deps.redis, token);
      if (!caller) throw new ApiError(401, 'unauthorized', 'the API token is unknown or revoked');
      c.set('caller', caller);
    } else {
      // A stale cookie is no token at all: the page still shows what anyone may see.
      const fromCookie = cookieToken(c);
      const caller = fromCookie ? await verifyApiToken(deps.redis, fromCookie) : undefined;
      if (caller) c.set('caller', caller);
    }
    await next();
  };
}

/** Lets the request through only with a valid API token (`Authorization: Bearer slp_…`), else 401. */
export function requireToken(deps: Pick<AuthDeps, 'redis'>): MiddlewareHandler<ApiEnv> {
  const optional = optionalToken(deps);
  return (c, next) =>
    optional(c, async () => {
      if (!c.get('caller'))
        throw new ApiError(401, 'unauthorized', 'this request needs an API token (Authorization: Bearer …)');
      await next();
    });
}

/**
 * Reads of one repository's data: public repositories are readable by anyone, private ones
 * only with an API token. `repoOf` names the repository the request reads (from its params, or
 * a run's record); an unknown one answers like a private one (401 without a token, else 404),
 * so the answer never tells whether a private repository exists.
 */
export function readAccess(
  deps: AuthDeps,
  repoOf: (c: Context<ApiEnv>) => string | undefined | Promise<string | undefined>,
): MiddlewareHandler<ApiEnv> {
  const optional = optionalToken(deps);
  return (c, next) =>
    optional(c, async () => {
      const name = await repoOf(c);
      const repo = name === undefined ? undefined : await deps.repos.get(name);
      if (!c.get('caller') && !repo?.public)
        throw new ApiError(401, 'unauthorized', 'this repository is private or unknown: send an API token');
      if (!repo) throw new ApiError(404, 'not_found', `repository ${name ?? ''} is not registered`);
      await next();
    });
}
