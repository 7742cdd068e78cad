import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, test } from 'node:test';
import { TOKEN_COOKIE } from '../server/web/index.js';
import { browserContext, screenshotAll } from './helpers/browser.js';
import { seedRun, seedToken, startWebServer } from './helpers/web-server.js';

// The repositories page in a real browser: what a visitor sees, what only a token holder sees.

let url: string;
let token: string;
before(async () => {
  const web = await startWebServer();
  url = web.url;
  const add = (fullName: string, more: { public?: boolean; defaultBranch?: string } = {}) =>
    web.deps.repos.add({
      fullName,
      forge: 'github',
      cloneUrl: `https://example.invalid/${fullName}.git`,
      public: true,
      ...more,
    });
  await add('acme/web');
  await add('acme/api', { defaultBranch: 'trunk' });
  await add('acme/secret-plans', { public: false });
  await add('acme/new');
  const statuses = ['success', 'failure', 'success', 'success', 'cancelled', 'success'] as const;
  for (const [i, status] of statuses.entries())
    await seedRun(web.deps, 'acme/web', {
      status,
      durationMs: 20_000 + i * 9_000,
      agoMs: (10 - i) * 3_600_000,
    });
  await seedRun(web.deps, 'acme/web', { status: 'failure', branch: 'feature', durationMs: 5_000 });
  await seedRun(web.deps, 'acme/api', { status: 'failure', branch: 'trunk', durationMs: 90_000 });
  await seedRun(web.deps, 'acme/api', { status: 'running', branch: 'trunk', agoMs: 20_000 });
  await seedRun(web.deps, 'acme/secret-plans', { status: 'success' });
  token = await seedToken(web.deps);
});

test('lists the public repositories with the state of their default branch and a duration trend', async () => {
  const page = await (await browserContext()).newPage();
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  const rows = page.locator('ul.repos li');
  assert.deepEqual(await rows.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-repo'))), [
    'acme/api',
    'acme/new',
    'acme/web',
  ]);
  const stateOf = (repo: string) => page.locator(`li[data-repo="${repo}"] .state`).getAttribute('data-state');
  assert.equal(
    await stateOf('acme/web'),
    'success',
    'the default branch passed last (a feature branch failed later)',
  );
  assert.equal(await stateOf('acme/api'), 'running', "trunk is acme/api's default branch");
  assert.equal(await stateOf('acme/new'), 'none');
  assert.equal(await page.locator('li[data-repo="acme/new"] .state').textContent(), 'no runs');
  const bars = page.locator('li[data-repo="acme/web"] .sparkline rect');
  assert.equal(await bars.count(), 6, "one bar per run of the default branch's last 30");
  const heights = await bars.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
  assert.ok(
    heights[5]! > heights[0]!,
    `the longest run (the newest) is the tallest bar, on the right: ${heights}`,
  );
  assert.match((await bars.nth(1).locator('title').textContent()) ?? '', /^#2 failure, 29 s$/);
  const colour = await page
    .locator('li[data-repo="acme/web"] .state')
    .evaluate((el) => getComputedStyle(el, '::before').backgroundColor);
  assert.equal(colour, 'rgb(45, 164, 78)', 'the success dot is green');
  assert.match(
    (await page.locator('li[data-repo="acme/web"] time').getAttribute('title')) ?? '',
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
  );
});

test('a private repository is listed only for a viewer whose cookie holds a valid token', async () => {
  const anonymous = await (await browserContext()).newPage();
  await anonymous.goto(url);
  assert.equal(await anonymous.locator('li[data-repo="acme/secret-plans"]').count(), 0);
  assert.ok(!(await anonymous.content()).includes('secret-plans'));
  const context = await browserContext();
  const { hostname } = new URL(url);
  await context.addCookies([
    { name: TOKEN_COOKIE, value: token, domain: hostname, path: '/', httpOnly: true, sameSite: 'Strict' },
  ]);
  const holder = await context.newPage();
  await holder.goto(url);
  assert.equal(
    await holder.locator('li[data-repo="acme/secret-plans"] .state').getAttribute('data-state'),
    'success',
  );
  await context.addCookies([{ name: TOKEN_COOKIE, value: 'slp_notatoken', domain: hostname, path: '/' }]);
  await holder.reload();
  assert.equal(
    await holder.locator('li[data-repo="acme/secret-plans"]').count(),
    0,
    'a bad token sees what nobody sees',
  );
});

test('screenshots of the repositories page, light and dark, desktop and phone', async () => {
  const written = await screenshotAll(url, 'repositories');
  assert.equal(written.length, 4);
  for (const path of written) assert.ok(existsSync(path), path);
});
