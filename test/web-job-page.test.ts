import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { createLogWriter } from '../runner/worker/index.js';
import type { RunsDeps } from '../server/runs/index.js';
import type { JobState } from '../server/store/index.js';
import { browserContext, screenshotAll } from './helpers/browser.js';
import { pushedJob, setJobState, startWebServer } from './helpers/web-server.js';

// A job's page in a real browser, fed by the runner's real log writer through Redis and SSE.

let url: string;
let deps: RunsDeps;
let drop: () => void;
before(async () => {
  const web = await startWebServer();
  ({ url, deps } = web);
  drop = web.dropConnections;
});

const newJob = () => pushedJob(deps);
const setState = (id: string, state: JobState, steps: JobState[] = []) => setJobState(deps, id, state, steps);

const shownNumbers = (page: Page) =>
  page.locator('.log-row .ln').evaluateAll((as) => as.map((a) => Number(a.textContent)));

test('a running job: a printed line shows within 1 s, ANSI red is red, and its end shows without a reload', async () => {
  const id = await newJob();
  await setState(id, 'running', ['running']);
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}`);
  await page.locator('.log-row.empty', { hasText: 'Waiting for output' }).waitFor();
  const w = await createLogWriter(deps.redis, id);
  const printed = Date.now();
  w.write('compile', { stream: 'stdout', time: Date.now(), text: '\u001b[31mred alert\u001b[0m and plain' });
  await page.locator('.log-row .text', { hasText: 'red alert' }).waitFor({ timeout: 1000 });
  const shownAfter = Date.now() - printed;
  assert.ok(shownAfter < 1000, `shown after ${shownAfter} ms`);
  const [r, g, b] = (
    await page
      .locator('.log-row .text span')
      .first()
      .evaluate((el) => getComputedStyle(el).color)
  )
    .match(/\d+/g)!
    .map(Number);
  assert.ok(r! > 200 && g! < 140 && b! < 140, `red is red: rgb(${r}, ${g}, ${b})`);
  assert.equal(await page.locator('.log-row .text span').first().textContent(), 'red alert');
  await w.close();
  await setState(id, 'success', ['success', 'success']);
  await page.locator('#job-state .state[data-state="success"]').waitFor({ timeout: 5000 });
  await page.locator('li[data-step="test"] .state[data-state="success"]').waitFor({ timeout: 5000 });
  assert.match((await page.locator('link[rel="icon"]').getAttribute('href')) ?? '', /success\.svg$/);
});

test('follow stops when scrolled up and resumes with the control; a dropped stream resumes without gaps or doubles', async () => {
  const id = await newJob();
  await setState(id, 'running', ['running']);
  const w = await createLogWriter(deps.redis, id);
  for (let i = 1; i <= 300; i++)
    w.write('compile', { stream: 'stdout', time: Date.now(), text: `line ${i}` });
  await w.flush();
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}`);
  await page.locator('.log-row .text', { hasText: /^line 300$/ }).waitFor();
  const atEnd = () =>
    page.locator('#log').evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 40);
  assert.equal(await atEnd(), true, 'it follows the end');
  assert.equal(await page.locator('#follow').isVisible(), false);
  await page.locator('#log').evaluate((el) => {
    el.scrollTop = 0;
  });
  await page.locator('#follow').waitFor({ state: 'visible' });
  for (let i = 301; i <= 320; i++) w.write('test', { stream: 'stdout', time: Date.now(), text: `line ${i}` });
  await w.flush();
  await page.waitForFunction(() => document.getElementById('log-count')?.textContent === '320 lines');
  assert.equal(await page.locator('#log').evaluate((el) => el.scrollTop), 0, 'scrolled up, it stays put');
  await page.click('#follow');
  assert.equal(await atEnd(), true, 'following again');
  drop();
  for (let i = 321; i <= 400; i++) w.write('test', { stream: 'stdout', time: Date.now(), text: `line ${i}` });
  await w.close();
  await page.waitForFunction(() => document.getElementById('log-count')?.textContent === '400 lines', null, {
    timeout: 10_000,
  });
  await sleep(300);
  assert.equal(await page.locator('#log-count').textContent(), '400 lines', 'no line came twice');
  const shown = await shownNumbers(page);
  assert.equal(shown.at(-1), 400);
  assert.deepEqual(
    shown,
    Array.from({ length: shown.length }, (_, i) => 401 - shown.length + i),
    'no gap',
  );
  await setState(id, 'success');
});

test('#L120 and #L120-L140 highlight those lines and scroll to them', async () => {
  const id = await newJob();
  const w = await createLogWriter(deps.redis, id);
  for (let i = 1; i <= 500; i++)
    w.write(i <= 250 ? 'compile' : 'test', { stream: 'stdout', time: Date.now(), text: `output ${i}` });
  await w.close();
  await setState(id, 'success', ['success', 'success']);
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}#L120-L140`);
  await page.locator('.log-row.hl').first().waitFor();
  const highlighted = await page
    .locator('.log-row.hl .ln')
    .evaluateAll((as) => as.map((a) => Number(a.textContent)));
  assert.deepEqual(
    highlighted,
    Array.from({ length: 21 }, (_, i) => 120 + i),
  );
  assert.ok(await page.locator('.log-row.hl').first().isVisible());
  const inView = await page.locator('#log').evaluate((el) => {
    const row = [...el.querySelectorAll('.log-row.hl')][0] as HTMLElement;
    const a = row.getBoundingClientRect();
    const b = el.getBoundingClientRect();
    return a.top >= b.top && a.bottom <= b.bottom;
  });
  assert.equal(inView, true, 'line 120 is in view');
  await page.goto(`${url}/jobs/${id}#L480`);
  await page.waitForFunction(() => document.querySelector('.log-row.hl .ln')?.textContent === '480');
  assert.equal(await page.locator('.log-row.hl').count(), 1);
  await page.click('.log-row .ln >> text=/^470$/');
  await page.waitForURL((u) => u.hash === '#L470', { timeout: 5000 });
  assert.equal(new URL(page.url()).hash, '#L470');
  await page.waitForFunction(() => document.querySelector('.log-row.hl .ln')?.textContent === '470');
});

test('a short log comes with its page; a step section collapses and expands', async () => {
  const id = await newJob();
  const w = await createLogWriter(deps.redis, id);
  for (let i = 1; i <= 30; i++)
    w.write(i <= 10 ? 'compile' : 'test', { stream: 'stdout', time: Date.now(), text: `out ${i}` });
  await w.close();
  await setState(id, 'success', ['success', 'success']);
  const page = await (await browserContext()).newPage();
  const logRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/jobs/')) logRequests.push(r.url());
  });
  await page.goto(`${url}/jobs/${id}`);
  await page.locator('.log-row .text', { hasText: /^out 30$/ }).waitFor();
  assert.deepEqual(logRequests, [], 'a short finished log comes with the page: no request for it');
  await page.click('button[data-step="compile"]');
  assert.deepEqual((await shownNumbers(page))[0], 11, 'the compile lines are hidden');
  await page.click('button[data-step="compile"]');
  assert.deepEqual((await shownNumbers(page)).length, 30);
});

test('screenshots of a job page with a coloured log, light and dark, desktop and phone', async () => {
  const id = await newJob();
  const w = await createLogWriter(deps.redis, id);
  const e = '\u001b[';
  const sample = [
    `${e}1m$ make${e}0m`,
    `${e}36mcc${e}0m -O2 -c src/main.c -o build/main.o`,
    `${e}33mwarning:${e}0m unused variable 'x' ${e}2m[-Wunused-variable]${e}0m`,
    `${e}32m✔${e}0m compiled 42 files in 1.3 s`,
    `${e}38;5;208m256-colour orange${e}0m and ${e}38;2;120;80;255mtrue-colour violet${e}0m`,
    'downloading 10%\rdownloading 55%\rdownloading 100%',
  ];
  for (const text of sample) w.write('compile', { stream: 'stdout', time: Date.now(), text });
  w.write('test', { stream: 'stdout', time: Date.now(), text: `${e}1mrunning 3 tests${e}0m` });
  w.write('test', {
    stream: 'stderr',
    time: Date.now(),
    text: `${e}31m✘ test_parse failed: expected 2, got 3${e}0m`,
  });
  await w.close();
  await setState(id, 'failure', ['success', 'failure']);
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}`);
  await page.locator('.log-row .text', { hasText: 'downloading 100%' }).waitFor();
  assert.equal(
    await page.locator('.log-row .text', { hasText: 'downloading 55%' }).count(),
    0,
    'a \\r line shows as a terminal does',
  );
  const orange = await page
    .locator('.log-row .text span', { hasText: '256-colour orange' })
    .evaluate((el) => getComputedStyle(el).color);
  assert.equal(orange, 'rgb(255, 135, 0)', '256-colour palette entry 208');
  assert.equal((await screenshotAll(`${url}/jobs/${id}`, 'job')).length, 4);
});
