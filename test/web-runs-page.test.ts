import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { RunsDeps } from '../server/runs/index.js';
import { type RunRecord, updateRun } from '../server/store/index.js';
import { browserContext, screenshotAll } from './helpers/browser.js';
import { seedRun, startWebServer } from './helpers/web-server.js';

// A repository's runs in a real browser: newest first, paged, filtered, linked to the forge.

let url: string;
let deps: RunsDeps;
const runs: RunRecord[] = [];
let xssRun: RunRecord;
before(async () => {
  const web = await startWebServer();
  url = web.url;
  deps = web.deps;
  await web.deps.repos.add({
    fullName: 'acme/web',
    forge: 'github',
    cloneUrl: 'https://git.example.com/acme/web.git',
    public: true,
  });
  await web.deps.repos.add({
    fullName: 'acme/lab',
    forge: 'gitlab',
    cloneUrl: 'git@gitlab.example.com:acme/lab.git',
    public: true,
  });
  await web.deps.repos.add({
    fullName: 'acme/local',
    forge: 'gitea',
    cloneUrl: '/srv/git/local.git',
    public: true,
  });
  await web.deps.repos.add({
    fullName: 'acme/private',
    forge: 'github',
    cloneUrl: 'https://git.example.com/acme/private.git',
  });
  for (let i = 0; i < 28; i++) {
    const status = i % 7 === 3 ? 'failure' : 'success';
    runs.push(
      await seedRun(web.deps, 'acme/web', {
        status,
        branch: i % 4 === 0 ? 'feature' : 'main',
        message: `Change ${i + 1}\n\nbody`,
        agoMs: (40 - i) * 60_000,
        durationMs: 40_000 + i * 1000,
      }),
    );
  }
  xssRun = await seedRun(web.deps, 'acme/web', {
    status: 'running',
    message: '<img src=x onerror="window.pwned=1">Fix <b>it</b>',
  });
  await seedRun(web.deps, 'acme/lab', { status: 'success' });
  await seedRun(web.deps, 'acme/local', { status: 'success' });
  await seedRun(web.deps, 'acme/private', { status: 'success' });
});

const numbers = (page: import('playwright-core').Page) =>
  page
    .locator('table.runs tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-run'))));

test('runs are listed newest first, 25 a page, with an older page behind', async () => {
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/repos/acme/web`);
  assert.deepEqual(
    await numbers(page),
    Array.from({ length: 25 }, (_, i) => 29 - i),
  );
  const row = page.locator('tr[data-run="28"]');
  assert.equal(await row.locator('.subject').textContent(), 'Change 28', 'the subject is the first line');
  assert.equal(
    await row.locator('a.sha').getAttribute('href'),
    `https://git.example.com/acme/web/commit/${runs[27]?.trigger.commit.sha}`,
  );
  assert.equal(await row.locator('a.sha').textContent(), runs[27]?.trigger.commit.sha.slice(0, 8));
  assert.equal(await row.locator('.duration').textContent(), '1 min 7 s');
  assert.equal(await row.locator('td').nth(4).textContent(), 'Ada');
  assert.equal(await row.locator('td').nth(5).textContent(), 'push');
  await page.click('a[rel="next"]');
  assert.deepEqual(await numbers(page), [4, 3, 2, 1]);
  assert.equal(await page.locator('a[rel="next"]').count(), 0, 'no page after the last');
  await page.click('a[rel="prev"]');
  assert.equal((await numbers(page))[0], 29);
});

test('filters by branch and by state, together, and clear', async () => {
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/repos/acme/web`);
  await page.fill('input[name="branch"]', 'feature');
  await page.click('form.filters button');
  assert.deepEqual(await numbers(page), [25, 21, 17, 13, 9, 5, 1]);
  await page.selectOption('select[name="status"]', 'failure');
  await page.click('form.filters button');
  assert.deepEqual(await numbers(page), [25]);
  assert.match(page.url(), /branch=feature&status=failure/);
  await page.click('text=clear');
  assert.equal((await numbers(page)).length, 25);
  await page.goto(`${url}/repos/acme/web?status=bogus&page=-3`);
  assert.equal((await numbers(page))[0], 29, 'an unusable filter or page is ignored');
});

test('commit links follow each forge: GitLab under /-/commit/, none for a local path', async () => {
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/repos/acme/lab`);
  assert.match(
    (await page.locator('a.sha').getAttribute('href')) ?? '',
    /^https:\/\/gitlab\.example\.com\/acme\/lab\/-\/commit\/[0-9a-f]{40}$/,
  );
  await page.goto(`${url}/repos/acme/local`);
  assert.equal(await page.locator('a.sha').count(), 0);
  assert.equal(await page.locator('code.sha').count(), 1);
});

test('a commit message is text, never markup; a private repository is not found without a token', async () => {
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/repos/acme/web`);
  const subject = page.locator(`tr[data-run="${xssRun.number}"] .subject`);
  assert.equal(await subject.textContent(), '<img src=x onerror="window.pwned=1">Fix <b>it</b>');
  assert.equal(await page.locator('table.runs img, table.runs b').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  const res = await page.goto(`${url}/repos/acme/private`);
  assert.equal(res?.status(), 404);
  assert.ok(!(await page.content()).includes('acme/private'), 'the page does not name it');
  assert.equal((await page.goto(`${url}/repos/acme/nothing`))?.status(), 404);
});

test('the list keeps itself up to date: a running run turns green and a new run shows, without a reload', async () => {
  await deps.repos.add({
    fullName: 'acme/live',
    forge: 'github',
    cloneUrl: '/srv/git/live.git',
    public: true,
  });
  const running = await seedRun(deps, 'acme/live', { status: 'running' });
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/repos/acme/live`);
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  await updateRun(deps.redis, running.id, (r) => ({ ...r, status: 'success', finishedAt: Date.now() }));
  const next = await seedRun(deps, 'acme/live', { status: 'pending', agoMs: 0 });
  await page
    .locator(`tr[data-run="${running.number}"] .state[data-state="success"]`)
    .waitFor({ timeout: 5000 });
  await page.locator(`tr[data-run="${next.number}"] .state[data-state="pending"]`).waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
});

test('screenshots of a runs page, light and dark, desktop and phone', async () => {
  assert.equal((await screenshotAll(`${url}/repos/acme/web`, 'runs')).length, 4);
});
