import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { RunsDeps } from '../runs/index.js';
import {
  getJob,
  getRun,
  type LogArchive,
  listRuns,
  logOutline,
  type Repo,
  readLogTail,
} from '../store/index.js';
import { actionRoutes } from './actions.js';
import { badgeSvg } from './badge.js';
import { CLIENT_SCRIPTS, clientScript } from './client-assets.js';
import { jobPage } from './job-page.js';
import { faviconSvg, page } from './page.js';
import { PAGE_HEADERS, pageHeaders } from './page-headers.js';
import { reposPage } from './repos-page.js';
import { runPage } from './run-page.js';
import { runsPage, runsQuery } from './runs-page.js';
import { canSee, type Viewer, viewerOf } from './session.js';
import { isShownState } from './states.js';
import { APP_CSS } from './styles.js';

/** The log lines a job page comes with (the end, where it opens): no request before they show. */
const PAGE_TAIL = { count: 100, maxBytes: 64 * 1024 };

/**
 * What the pages read and do: Redis (runs, tokens), the repositories, the orchestration (cancel,
 * re-run), and the log archive (a job page's outline and last lines).
 */
export type WebDeps = RunsDeps & { archive: LogArchive };

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
 * The viewer of a page about `repo`, when they may see it; `false` for a missing repository or
 * a private one without a token (both answer as not found).
 */
async function viewerFor(
  c: Context,
  deps: WebDeps,
  repo: Repo | undefined,
): Promise<Viewer | undefined | false> {
  const viewer = await viewerOf(c, deps.redis);
  return repo && canSee(repo, viewer) ? viewer : false;
}

/**
 * The web pages at `/`, `/repos/{owner}/{name}`, `/runs/{id}` and `/jobs/{id}` (server-rendered HTML;
 * the writes of actions.ts: log in and out, cancel, re-run; a private repository is seen only with a token
 * in the viewer's cookie), `/badge/{owner}/{name}.svg?branch=` and `/assets/*`. Stateless.
 */
export function webRoutes(deps: WebDeps): Hono {
  const app = new Hono();
  app.route('/', actionRoutes(deps));
  app.get('/', async (c) => {
    const viewer = await viewerOf(c, deps.redis);
    const repos = (await deps.repos.list()).filter((r) => canSee(r, viewer));
    return c.html(await reposPage(deps.redis, repos, Date.now(), viewer), 200, PAGE_HEADERS);
  });
  app.get('/repos/:owner/:name', async (c) => {
    const repo = await deps.repos.get(`${c.req.param('owner')}/${c.req.param('name')}`);
    const viewer = await viewerFor(c, deps, repo);
    if (!repo || viewer === false) return notFound(c, 'No such repository');
    return c.html(
      await runsPage(deps.redis, repo, runsQuery(c.req.query()), Date.now(), viewer),
      200,
      PAGE_HEADERS,
    );
  });
  app.get('/runs/:id', async (c) => {
    const run = await getRun(deps.redis, c.req.param('id'));
    const repo = run ? await deps.repos.get(run.repo) : undefined;
    const viewer = await viewerFor(c, deps, repo);
    if (!run || !repo || viewer === false) return notFound(c, 'No such run');
    return c.html(await runPage(deps, repo, run, Date.now(), viewer), 200, PAGE_HEADERS);
  });
  app.get('/jobs/:id', async (c) => {
    const job = await getJob(deps.redis, c.req.param('id'));
    const run = job ? await getRun(deps.redis, job.runId) : undefined;
    const repo = run ? await deps.repos.get(run.repo) : undefined;
    const viewer = await viewerFor(c, deps, repo);
    if (!job || !run || !repo || viewer === false) return notFound(c, 'No such job');
    const outline = await logOutline(deps.redis, deps.archive, job.id);
    const tail = await readLogTail(deps.redis, deps.archive, job.id, outline.lines, PAGE_TAIL);
    return c.html(
      await jobPage({ repo, run, job, outline, tail }, viewer),
      200,
      pageHeaders({ styleAttributes: true }),
    );
  });
  for (const file of CLIENT_SCRIPTS)
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
    // A public badge needs no token lookup (forges' proxies fetch badges often).
    if (!repo || (!repo.public && !(await viewerOf(c, deps.redis)))) return c.text('no such repository', 404);
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
