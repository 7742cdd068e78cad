import { Hono } from 'hono';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken, TokenNameSchema } from '../store/index.js';
import { type ApiEnv, type AuthDeps, requireToken } from './auth.js';
import { ApiError, jsonBody } from './errors.js';

/**
 * `/api/tokens` (every route needs an API token): `POST {name}` → `{name, token}` (the token is
 * shown this once; only its hash is kept), `GET` → `[{name, createdAt}]`, `DELETE /:name`
 * revokes every token of that name.
 */
export function tokenRoutes(deps: Pick<AuthDeps, 'redis'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('*', requireToken(deps));

  app.post('/', async (c) => {
    const { name } = await jsonBody(c, z.strictObject({ name: TokenNameSchema }));
    const token = await createApiToken(deps.redis, name);
    c.header('Cache-Control', 'no-store');
    return c.json({ name, token }, 201);
  });

  app.get('/', async (c) => c.json(await listApiTokens(deps.redis)));

  app.delete('/:name', async (c) => {
    const n = await revokeApiToken(deps.redis, c.req.param('name'));
    if (n === 0) throw new ApiError(404, 'not_found', `no API token is named ${c.req.param('name')}`);
    return c.json({ revoked: n });
  });
  return app;
}
