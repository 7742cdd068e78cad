import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Redis } from '../../lib/redis.js';
import { TOKEN_COOKIE } from '../api/index.js';
import { type ApiTokenInfo, type Repo, verifyApiToken } from '../store/index.js';

/** A viewer who logged in: the token's holder and the CSRF value the page's forms carry. */
export interface Viewer extends ApiTokenInfo {
  csrf: string;
}

/**
 * The CSRF value of a token: derived from the token, which lives only in an HttpOnly cookie,
 * so a page on another site can neither read nor compute it. Forms send it as `_csrf`.
 */
export function csrfFor(token: string): string {
  return createHash('sha256').update(`slipway-csrf\0${token}`).digest('hex').slice(0, 40);
}

/** Public repositories are seen by anyone, private ones only by a viewer with a token. */
export function canSee(repo: Repo, viewer: ApiTokenInfo | undefined): boolean {
  return repo.public || viewer !== undefined;
}

/** Who is looking: the holder of a valid API token in the cookie, or nobody (a stale cookie too). */
export async function viewerOf(c: Context, redis: Redis): Promise<Viewer | undefined> {
  const token = getCookie(c, TOKEN_COOKIE);
  const info = token ? await verifyApiToken(redis, token) : undefined;
  return info && token ? { ...info, csrf: csrfFor(token) } : undefined;
}

/** True when the request's Origin (sent by browsers on every POST) is this server, or absent. */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  return origin === new URL(c.req.url).origin;
}

/**
 * The viewer of a form POST that may change something: a valid cookie token, this server as
 * Origin and the form's `_csrf` matching the token. Undefined otherwise (the caller answers 403).
 */
export async function writer(c: Context, redis: Redis): Promise<Viewer | undefined> {
  const viewer = await viewerOf(c, redis);
  if (!viewer || !sameOrigin(c)) return undefined;
  const sent = (await c.req.parseBody())._csrf;
  if (typeof sent !== 'string' || sent.length !== viewer.csrf.length) return undefined;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(viewer.csrf)) ? viewer : undefined;
}

/** Keeps `token` as the viewer's login: HttpOnly, SameSite=Strict, Secure over https. */
export function logIn(c: Context, token: string): void {
  setCookie(c, TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: 30 * 24 * 3600,
  });
}

/** Forgets the viewer's login. */
export function logOut(c: Context): void {
  deleteCookie(c, TOKEN_COOKIE, { path: '/' });
}
