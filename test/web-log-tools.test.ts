import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createLogWriter } from '../runner/worker/index.js';
import type { RunsDeps } from '../server/runs/index.js';
import { browserContext } from './helpers/browser.js';
import { pushedJob, setJobState, startWebServer } from './helpers/web-server.js';

// The log view's tools in a real browser: wrapping long lines, search with next and previous,
// the raw download.

let url: string;
let deps: RunsDeps;
before(async () => {
  ({ url, deps } = await startWebServer());
});

const LONG = `${'word '.repeat(120)}END`;

async function finishedJob(texts: string[]): Promise<string> {
  const id = await pushedJob(deps);
  const w = await createLogWriter(deps.redis, id);
  for (const text of texts) w.write('compile', { stream: 'stdout', time: Date.now(), text });
  await w.close();
  await setJobState(deps, id, 'success', ['success', 'success']);
  return id;
}

test('wrap lines: a long line wraps inside the view (no sideways scrolling) and unwraps again', async () => {
  const id = await finishedJob(['short', LONG, ...Array.from({ length: 200 }, (_, i) => `after ${i + 1}`)]);
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}#L2`);
  const long = page.locator('.log-row', { hasText: 'END' });
  await long.waitFor();
  const sideways = () => page.locator('#log').evaluate((box) => box.scrollWidth > box.clientWidth);
  assert.equal((await long.boundingBox())?.height, 20, 'one row high while not wrapped');
  assert.equal(await sideways(), true, 'the long line scrolls sideways');
  await page.check('#wrap-lines');
  await page.waitForFunction(() => document.getElementById('log')?.classList.contains('wrap'));
  const wrapped = await long.boundingBox();
  assert.ok(wrapped && wrapped.height >= 60, `wrapped over several rows (${wrapped?.height} px)`);
  assert.equal(await sideways(), false, 'nothing scrolls sideways');
  const endInView = await page.locator('#log').evaluate((box) => {
    const end = [...box.querySelectorAll('.log-row')].find((r) => r.textContent?.endsWith('END'));
    const a = end?.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return a !== undefined && a.right <= b.right + 1;
  });
  assert.equal(endInView, true, 'the end of the long line is inside the view');
  await page.locator('#log').focus();
  await page.keyboard.press('End');
  await page.locator('.log-row', { hasText: /^\s*202after 200$/ }).waitFor();
  const lastInView = await page.locator('#log').evaluate((box) => {
    const rows = [...box.querySelectorAll('.log-row')];
    const last = rows.at(-1)?.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return last !== undefined && last.bottom <= b.bottom + 1 && last.top >= b.top;
  });
  assert.equal(lastInView, true, 'wrapped, the End key shows the last line');
  await page.uncheck('#wrap-lines'); // the long line is one row high again
  await page.locator('#log').focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>('.log-row')].some(
      (r) => r.textContent?.endsWith('END') && r.offsetHeight === 20,
    ),
  );
});

test('search: the match count, next and previous (Enter, Shift+Enter, the buttons) wrap around, matches marked', async () => {
  const texts = Array.from({ length: 400 }, (_, i) =>
    i % 100 === 50 ? `\u001b[31mFAIL\u001b[0m case ${i}` : `pass ${i}`,
  );
  const id = await finishedJob(texts);
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/jobs/${id}`);
  await page.locator('.log-row .text', { hasText: 'pass 399' }).waitFor();
  const current = async () => Number(await page.locator('.log-row.match-current .ln').textContent());
  await page.fill('#log-search', 'fail case');
  await page.press('#log-search', 'Enter');
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '1 of 4');
  assert.equal(await current(), 51);
  await page.press('#log-search', 'Enter');
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '2 of 4');
  assert.equal(await current(), 151);
  await page.press('#log-search', 'Shift+Enter');
  await page.press('#log-search', 'Shift+Enter');
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '4 of 4');
  assert.equal(await current(), 351, 'previous from the first goes to the last');
  await page.click('#search-next');
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '1 of 4');
  assert.equal(await page.locator('.log-row.match').count(), 1, 'one match in view, marked');
  await page.fill('#log-search', 'no such text');
  await page.click('#search-next');
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent === 'no match');
  await page.fill('#log-search', '');
  assert.equal(await page.locator('.log-row.match').count(), 0, 'clearing the box clears the marks');
  const raw = await page.evaluate(async (href) => (await fetch(href)).text(), `/api/jobs/${id}/log`);
  assert.equal(
    raw.split('\n')[50],
    '\u001b[31mFAIL\u001b[0m case 50',
    'the raw download keeps the ANSI codes',
  );
  assert.equal(await page.locator('a[download]').getAttribute('href'), `/api/jobs/${id}/log`);
});
