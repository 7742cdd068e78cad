import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Redis } from '../../lib/redis.js';
import { TOKEN_COOKIE } from '../api/index.js';
import { type ApiTokenInfo, type Repo, verifyApiToken } from '../store/index.js';

export { TOKEN_COOKIE };

/** Who is looking at a page: the holder of a valid API token in the cookie, or nobody. */
export async function viewerOf(c: Context, redis: Redis): Promise<ApiTokenInfo | undefined> {
  const token = getCookie(c, TOKEN_COOKIE);
  return token ? verifyApiToken(redis, token) : undefined;
}

/** Public repositories are seen by anyone, private ones only by a viewer with a token. */
export function canSee(repo: Repo, viewer: ApiTokenInfo | undefined): boolean {
  return repo.public || viewer !== undefined;
}
