import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createLogWriter } from '../runner/worker/index.js';
import type { RunsDeps } from '../server/runs/index.js';
import { archiveJobLog, type LogArchive } from '../server/store/index.js';
import { browserContext } from './helpers/browser.js';
import { pushedJob, setJobState, startWebServer } from './helpers/web-server.js';

// A finished job with a log of a million lines, archived, in a real browser: the page lays the
// whole log out but holds only what is in view.

const LINES = 1_000_000;
const NEEDLE = 'needle: the one line that says so';
const NEEDLE_AT = 999_123;
let url: string;
let deps: RunsDeps;
let archive: LogArchive;
let jobId: string;

before(async () => {
  ({ url, deps, archive } = await startWebServer());
  jobId = await pushedJob(deps);
  const w = await createLogWriter(deps.redis, jobId);
  const time = Date.now();
  for (let n = 1; n <= LINES; n++) {
    const text = n === NEEDLE_AT ? NEEDLE : `\u001b[32mok\u001b[0m line ${n}: compiled module ${n % 977}`;
    w.write(n <= LINES / 2 ? 'compile' : 'test', { stream: 'stdout', time, text });
  }
  await w.close();
  await setJobState(deps, jobId, 'success', ['success', 'success']);
  await archiveJobLog(deps.redis, archive, jobId);
});

/** The line numbers of the rows in view (wholly or partly). */
const numbersInView = (page: Page) =>
  page.locator('#log').evaluate((box) => {
    const b = box.getBoundingClientRect();
    return [...box.querySelectorAll('.log-row:not(.loading) .ln')]
      .filter((a) => {
        const r = a.getBoundingClientRect();
        return r.bottom > b.top && r.top < b.bottom;
      })
      .map((a) => Number(a.textContent));
  });

/** Line n's text, once fetched (a row whose line is on its way has no text yet). */
const textOfLine = (page: Page, n: number) =>
  page.locator('.log-row:not(.loading)', { has: page.locator(`a.ln[href="#L${n}"]`) }).locator('.text');

/** The page's JS heap in use, as Chromium's DevTools protocol and `performance.memory` give it. */
async function jsHeap(page: Page): Promise<{ used: number; reported: number }> {
  const cdp = await page.context().newCDPSession(page);
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  const reported = await page.evaluate(
    () => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
  );
  return { used: usedSize, reported };
}

test('a 1,000,000-line log: interactive within 2 s, scrolls to either end, search on the server finds a line near the end, heap bounded', async (t) => {
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/`); // as a viewer arrives: the browser and its page already running
  const opened = Date.now();
  await page.goto(`${url}/jobs/${jobId}`);
  await textOfLine(page, LINES).waitFor();
  await page.locator('#log-search').fill('x'); // the page answers input
  const interactiveMs = Date.now() - opened;
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return {
      response: Math.round(nav?.responseEnd ?? 0),
      ready: Math.round(nav?.domContentLoadedEventEnd ?? 0),
    };
  });
  assert.ok(interactiveMs < 2000, `interactive after ${interactiveMs} ms`);
  assert.equal(await page.locator('#log-count').textContent(), '1,000,000 lines');
  assert.ok(
    (await page.locator('.log-row').count()) < 200,
    'only the rows in view (and a margin) are in the DOM',
  );

  await page.locator('#log').evaluate((box) => {
    box.scrollTop = 0;
  });
  await textOfLine(page, 1).waitFor();
  assert.match((await textOfLine(page, 1).textContent()) ?? '', /^ok line 1: compiled module 1$/);
  await page.locator('#log').evaluate((box) => {
    box.scrollTop = box.scrollHeight / 2;
  });
  // The rows in view are drawn on the next frame, as placeholders until their text is fetched.
  await page.waitForFunction(() => {
    const box = document.getElementById('log') as HTMLElement;
    const b = box.getBoundingClientRect();
    const rows = [...box.querySelectorAll('.log-row')].filter((row) => {
      const r = row.getBoundingClientRect();
      return r.bottom > b.top && r.top < b.bottom;
    });
    return rows.length > 10 && rows.every((row) => !row.classList.contains('loading'));
  });
  const middle = await numbersInView(page);
  assert.ok(middle.length > 10 && Math.abs((middle[0] as number) - LINES / 2) < 5000, `middle: ${middle[0]}`);
  await page.locator('#log').focus();
  await page.keyboard.press('End');
  await textOfLine(page, LINES).waitFor();
  assert.ok((await numbersInView(page)).includes(LINES), 'the End key shows the last line');

  await page.keyboard.press('Home');
  await textOfLine(page, 1).waitFor();
  const searched = Date.now();
  await page.locator('#log-search').fill('NEEDLE: the one');
  await page.locator('#log-search').press('Enter');
  await page.locator('.log-row.match-current', { hasText: NEEDLE }).waitFor();
  const searchMs = Date.now() - searched;
  assert.equal(await page.locator('#search-status').textContent(), '1 of 1');
  assert.ok((await numbersInView(page)).includes(NEEDLE_AT), 'the match is scrolled into view');

  const heap = await jsHeap(page);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  t.diagnostic(
    `1,000,000 lines: interactive after ${interactiveMs} ms (page received ${timing.response} ms, ` +
      `its scripts ran ${timing.ready} ms); search to the match ${searchMs} ms; ` +
      `JS heap ${mib(heap.used)} (performance.memory: ${mib(heap.reported)})`,
  );
  assert.ok(heap.used > 0 && heap.used < 150e6, `JS heap ${mib(heap.used)} (limit 150 MB)`);
  assert.ok(heap.reported < 150e6, `performance.memory ${mib(heap.reported)} (limit 150 MB)`);
});
