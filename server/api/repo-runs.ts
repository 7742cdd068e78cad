import { Hono } from 'hono';
import { z } from 'zod';
import { type RunsDeps, triggerRuns } from '../runs/index.js';
import { listRuns, RunStatusSchema } from '../store/index.js';
import { type ApiEnv, readAccess, requireToken } from './auth.js';
import { ApiError, jsonBody, queryOf } from './errors.js';
import { fullNameOf } from './repos.js';
import { runSummary, runView } from './run-views.js';

const ListQuerySchema = z.strictObject({
  branch: z.string().min(1).max(255).optional(),
  status: RunStatusSchema.optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

/** What a manual trigger names: a branch (its head now), a full commit sha, or both. */
export const TriggerBodySchema = z.strictObject({
  branch: z
    .string()
    .min(1)
    .max(255)
    .refine((b) => !b.startsWith('-') && !b.startsWith('refs/'), 'a branch name such as "main", not a ref')
    .optional(),
  commit: z
    .string()
    .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a full commit sha (40 or 64 lowercase hex digits)')
    .optional(),
});

/**
 * The runs of one repository, mounted at `/api/repos` beside repoRoutes:
 * `GET /:owner/:name/runs?branch=&status=&page=&per_page=` (newest first; readable like the
 * repository) and `POST /:owner/:name/trigger` (token) with `{branch?, commit?}` (an empty body:
 * the default branch), which starts manual runs at that branch's head or that commit.
 */
export function repoRunRoutes(deps: RunsDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const read = readAccess(deps, fullNameOf);

  app.get('/:owner/:name/runs', read, async (c) => {
    const q = queryOf(c, ListQuerySchema);
    const runs = await listRuns(deps.redis, fullNameOf(c), {
      ...(q.branch !== undefined ? { branch: q.branch } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      page: q.page,
      perPage: q.per_page,
    });
    return c.json({ runs: runs.map(runSummary), page: q.page, perPage: q.per_page });
  });

  app.post('/:owner/:name/trigger', requireToken(deps), async (c) => {
    const body = await jsonBody(c, TriggerBodySchema, { empty: {} });
    const repo = await deps.repos.get(fullNameOf(c));
    if (!repo) throw new ApiError(404, 'not_found', `repository ${fullNameOf(c)} is not registered`);
    const outcome = await triggerRuns(deps, repo, { ...body, by: c.get('caller')?.name ?? 'unknown' });
    if (!outcome.ok) throw new ApiError(outcome.status, outcome.code, outcome.message);
    if (outcome.runs.length === 0)
      return c.json({ runs: [], message: `no pipeline file at ${outcome.commit} has a manual trigger` }, 200);
    return c.json({ runs: await Promise.all(outcome.runs.map((r) => runView(deps.redis, r))) }, 201);
  });

  return app;
}
