import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Redis } from '../../lib/redis.js';
import { getJob, getRun, listRuns, type RepoStore } from '../store/index.js';
import { badgeSvg } from './badge.js';
import { clientScript } from './client-assets.js';
import { jobPage } from './job-page.js';
import { faviconSvg, page } from './page.js';
import { reposPage } from './repos-page.js';
import { runPage } from './run-page.js';
import { runsPage, runsQuery } from './runs-page.js';
import { isShownState } from './states.js';
import { APP_CSS } from './styles.js';
import { canSee, viewerOf } from './viewer.js';

/** What the pages read: Redis (runs, tokens) and the repositories. */
export interface WebDeps {
  redis: Redis;
  repos: RepoStore;
}

/**
 * Pages run no inline script and load nothing from elsewhere. A job page's log may hold 256- and
 * true-colour spans, which ansi_up writes as style attributes: only that page admits them
 * (attributes only; never a <style> element, never script).
 */
function pageHeaders(opts: { styleAttributes?: boolean } = {}) {
  return {
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; " +
      `form-action 'self'; base-uri 'none'; frame-ancestors 'none'${opts.styleAttributes ? "; style-src-attr 'unsafe-inline'" : ''}`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
}
const PAGE_HEADERS = pageHeaders();

/** Badges are fetched by forges' image proxies: cache them, briefly. */
const BADGE_CACHE = { 'cache-control': 'max-age=30, s-maxage=30, must-revalidate' };

/** A page saying what was not found (a private repository without a token is not found either). */
async function notFound(c: Context, what: string) {
  return c.html(
    await page({
      title: what,
      body: html`<h1>${what}</h1><p class="empty">It does not exist, or it is private and your browser holds no API token.</p>`,
    }),
    404,
    PAGE_HEADERS,
  );
}

/**
 * The web pages at `/`, `/repos/{owner}/{name}`, `/runs/{id}` and `/jobs/{id}` (server-rendered HTML; a private repository is seen only with a token
 * in the viewer's cookie), `/badge/{owner}/{name}.svg?branch=` and `/assets/*`. Stateless.
 */
export function webRoutes(deps: WebDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const viewer = await viewerOf(c, deps.redis);
    const repos = (await deps.repos.list()).filter((r) => canSee(r, viewer));
    return c.html(await reposPage(deps.redis, repos, Date.now()), 200, PAGE_HEADERS);
  });
  app.get('/repos/:owner/:name', async (c) => {
    const repo = await deps.repos.get(`${c.req.param('owner')}/${c.req.param('name')}`);
    if (!repo || !canSee(repo, await viewerOf(c, deps.redis))) return notFound(c, 'No such repository');
    return c.html(await runsPage(deps.redis, repo, runsQuery(c.req.query()), Date.now()), 200, PAGE_HEADERS);
  });
  app.get('/runs/:id', async (c) => {
    const run = await getRun(deps.redis, c.req.param('id'));
    const repo = run ? await deps.repos.get(run.repo) : undefined;
    if (!run || !repo || !canSee(repo, await viewerOf(c, deps.redis))) return notFound(c, 'No such run');
    return c.html(await runPage(deps.redis, repo, run, Date.now()), 200, PAGE_HEADERS);
  });
  app.get('/jobs/:id', async (c) => {
    const job = await getJob(deps.redis, c.req.param('id'));
    const run = job ? await getRun(deps.redis, job.runId) : undefined;
    const repo = run ? await deps.repos.get(run.repo) : undefined;
    if (!job || !run || !repo || !canSee(repo, await viewerOf(c, deps.redis)))
      return notFound(c, 'No such job');
    return c.html(await jobPage(repo, run, job), 200, pageHeaders({ styleAttributes: true }));
  });
  for (const file of ['job.js', 'ansi_up.js'] as const)
    app.get(`/assets/${file}`, async (c) =>
      c.body(await clientScript(file), 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'max-age=300',
      }),
    );
  app.get('/badge/:owner/:file{[A-Za-z0-9_.-]+\\.svg}', async (c) => {
    const name = c.req.param('file').replace(/\.svg$/, '');
    const repo = await deps.repos.get(`${c.req.param('owner')}/${name}`);
    // A private repository's badge is as unknown as a missing one: it would tell its state.
    if (!repo || !canSee(repo, await viewerOf(c, deps.redis))) return c.text('no such repository', 404);
    const branch = c.req.query('branch') || repo.defaultBranch;
    const [last] = await listRuns(deps.redis, repo.fullName, { branch, perPage: 1 });
    return c.body(badgeSvg(branch, last?.status ?? 'none'), 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      ...BADGE_CACHE,
    });
  });
  app.get('/assets/app.css', (c) =>
    c.body(APP_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }),
  );
  app.get('/assets/favicon/:file{[a-z]+\\.svg}', (c) => {
    const state = c.req.param('file').replace(/\.svg$/, '');
    if (!isShownState(state)) return c.text('no such icon', 404);
    return c.body(faviconSvg(state), 200, {
      'content-type': 'image/svg+xml',
      'cache-control': 'max-age=3600',
    });
  });
  return app;
}
