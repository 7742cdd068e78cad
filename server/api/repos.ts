import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { RepoInputSchema, SecretValueSchema } from '../store/index.js';
import { type ApiEnv, type AuthDeps, optionalToken, readAccess, requireToken } from './auth.js';
import { ApiError, jsonBody } from './errors.js';

/**
 * `/api/repos`: list (public ones without a token, all with one), register or update (token),
 * show, unregister (token), and the repository's secrets: set, delete, list names (token).
 * Secret values, the webhook secret and the status token are write-only: no route returns them.
 * `{owner}` may hold a GitLab group path with `%2F` (`group%2Fsub/app` is `group/sub/app`).
 */
export function repoRoutes(deps: AuthDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const token = requireToken(deps);
  const read = readAccess(deps, fullNameOf);

  app.get('/', optionalToken(deps), async (c) => {
    const all = await deps.repos.list();
    return c.json(c.get('caller') ? all : all.filter((r) => r.public));
  });

  app.post('/', token, async (c) => {
    const input = await jsonBody(c, RepoInputSchema);
    const { repo, created } = await deps.repos.add(input);
    return c.json(repo, created ? 201 : 200);
  });

  app.get('/:owner/:name', read, async (c) => c.json(await deps.repos.get(fullNameOf(c))));

  app.delete('/:owner/:name', token, async (c) => {
    if (!(await deps.repos.remove(fullNameOf(c)))) throw notRegistered(c);
    return c.body(null, 204);
  });

  app.get('/:owner/:name/secrets', token, async (c) => {
    const repo = await deps.repos.get(fullNameOf(c));
    if (!repo) throw notRegistered(c);
    return c.json({ names: repo.secretNames });
  });

  app.put('/:owner/:name/secrets/:secret', token, async (c) => {
    const { value } = await jsonBody(c, z.strictObject({ value: SecretValueSchema }));
    if (!(await deps.repos.get(fullNameOf(c)))) throw notRegistered(c);
    await deps.repos.setSecret(fullNameOf(c), c.req.param('secret'), value);
    return c.body(null, 204);
  });

  app.delete('/:owner/:name/secrets/:secret', token, async (c) => {
    if (!(await deps.repos.deleteSecret(fullNameOf(c), c.req.param('secret'))))
      throw new ApiError(
        404,
        'not_found',
        `repository ${fullNameOf(c)} has no secret ${c.req.param('secret')}`,
      );
    return c.body(null, 204);
  });

  return app;
}

/** `owner/name` from the route's params. */
export function fullNameOf(c: Context): string {
  return `${c.req.param('owner')}/${c.req.param('name')}`;
}

function notRegistered(c: Context): ApiError {
  return new ApiError(404, 'not_found', `repository ${fullNameOf(c)} is not registered`);
}
