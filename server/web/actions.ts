import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { TriggerBodySchema } from '../api/index.js';
import { cancelRun, type RunsDeps, rerunRun, triggerRuns } from '../runs/index.js';
import { getRun, verifyApiToken } from '../store/index.js';
import { page } from './page.js';
import { PAGE_HEADERS } from './page-headers.js';
import { runsPage, runsQuery } from './runs-page.js';
import { logIn, logOut, sameOrigin, writer } from './session.js';

/** Where to go after logging in: a path on this server only (never `//elsewhere`). */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

function loginPage(next: string, error?: string) {
  return page({
    title: 'Log in',
    body: html`<h1>Log in</h1>
<form class="login" method="post" action="/login">
<p class="muted">Paste an API token (<code>slipway token create --name NAME</code>). It is kept in an HttpOnly cookie on this browser.</p>
${error ? html`<p class="job-error" role="alert">${error}</p>` : ''}
<label>API token <input type="password" name="token" autocomplete="current-password" required></label>
<input type="hidden" name="next" value="${next}">
<button type="submit">Log in</button>
</form>`,
  });
}

const refused = (c: Context) =>
  c.html(
    page({
      title: 'Refused',
      body: html`<h1>Refused</h1><p class="empty">This needs a logged-in viewer and a form from this server.</p>`,
    }),
    403,
    PAGE_HEADERS,
  );

/**
 * The pages' writes, all form POSTs: `/login` (a valid API token becomes the cookie), `/logout`,
 * `/runs/{id}/cancel` and `/runs/{id}/rerun` (`failed=true`: failed jobs only), and
 * `/repos/{owner}/{name}/trigger` (`branch`: a manual run at its head). Each write needs the
 * cookie's token, this server as Origin and the form's CSRF value; then 303 to the run (a
 * trigger that started none shows the runs page with why).
 */
export function actionRoutes(deps: RunsDeps): Hono {
  const app = new Hono();
  app.get('/login', async (c) => c.html(await loginPage(localPath(c.req.query('next'))), 200, PAGE_HEADERS));
  app.post('/login', async (c) => {
    if (!sameOrigin(c)) return refused(c);
    const form = await c.req.parseBody();
    const next = localPath(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!(await verifyApiToken(deps.redis, token)))
      return c.html(await loginPage(next, 'That token is unknown or revoked.'), 401, PAGE_HEADERS);
    logIn(c, token);
    return c.redirect(next, 303);
  });
  app.post('/logout', async (c) => {
    if (!(await writer(c, deps.redis))) return refused(c);
    logOut(c);
    return c.redirect('/', 303);
  });
  app.post('/runs/:id/cancel', async (c) => {
    if (!(await writer(c, deps.redis))) return refused(c);
    const run = await getRun(deps.redis, c.req.param('id'));
    if (!run) return c.notFound();
    await cancelRun(deps, run.id);
    return c.redirect(`/runs/${run.id}`, 303);
  });
  app.post('/runs/:id/rerun', async (c) => {
    if (!(await writer(c, deps.redis))) return refused(c);
    const run = await getRun(deps.redis, c.req.param('id'));
    if (!run) return c.notFound();
    const outcome = await rerunRun(deps, run.id, { failedOnly: (await c.req.parseBody()).failed === 'true' });
    return c.redirect(`/runs/${outcome.ok ? outcome.run.id : run.id}`, 303);
  });
  app.post('/repos/:owner/:name/trigger', async (c) => {
    const viewer = await writer(c, deps.redis);
    if (!viewer) return refused(c);
    const repo = await deps.repos.get(`${c.req.param('owner')}/${c.req.param('name')}`);
    if (!repo) return c.notFound();
    const again = (notice: string, status: 400 | 404 | 422 | 502) =>
      c.html(runsPage(deps.redis, repo, runsQuery({}), Date.now(), viewer, notice), status, PAGE_HEADERS);
    const form = TriggerBodySchema.safeParse({ branch: (await c.req.parseBody()).branch });
    if (!form.success) return again(`Not a branch name: ${z.prettifyError(form.error)}`, 400);
    const outcome = await triggerRuns(deps, repo, { ...form.data, by: viewer.name });
    if (!outcome.ok) return again(outcome.message, outcome.status);
    const [first] = outcome.runs;
    if (!first) return again(`No pipeline at ${outcome.commit.slice(0, 8)} has a manual trigger.`, 422);
    return c.redirect(outcome.runs.length === 1 ? `/runs/${first.id}` : `/repos/${repo.fullName}`, 303);
  });
  return app;
}
