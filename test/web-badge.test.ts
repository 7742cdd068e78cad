import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserContext } from './helpers/browser.js';
import { seedRun, seedToken, startWebServer } from './helpers/web-server.js';

// Status badges as forges and READMEs fetch them: valid SVG, the branch's latest run, cached briefly.

let url: string;
let token: string;
let xml: Page;
before(async () => {
  const web = await startWebServer();
  url = web.url;
  const add = (fullName: string, isPublic = true) =>
    web.deps.repos.add({
      fullName,
      forge: 'gitea',
      cloneUrl: `https://example.invalid/${fullName}.git`,
      public: isPublic,
    });
  await add('acme/app');
  await add('acme/hidden', false);
  await seedRun(web.deps, 'acme/app', { status: 'failure' });
  await seedRun(web.deps, 'acme/app', { status: 'success' });
  await seedRun(web.deps, 'acme/app', { status: 'failure', branch: 'next' });
  await seedRun(web.deps, 'acme/app', { status: 'running', branch: 'a&b<c>' });
  await seedRun(web.deps, 'acme/hidden', { status: 'success' });
  token = await seedToken(web.deps);
  xml = await (await browserContext()).newPage();
});

/** The badge's answer, and what the browser's XML parser makes of its body. */
async function badge(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers });
  const body = await res.text();
  const parsed = await xml.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const error = doc.getElementsByTagName('parsererror')[0];
    return {
      error: error?.textContent ?? null,
      root: doc.documentElement.nodeName,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
    };
  }, body);
  return { res, body, ...parsed };
}

test('a badge is valid SVG showing the latest run of the default branch, or of ?branch=', async () => {
  const main = await badge('/badge/acme/app.svg');
  assert.equal(main.res.status, 200);
  assert.equal(main.res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
  assert.match(main.res.headers.get('cache-control') ?? '', /^max-age=30\b/);
  assert.equal(main.error, null, main.body);
  assert.equal(main.root, 'svg');
  assert.deepEqual(main.texts, ['main', 'passing'], 'the newer run on main passed');
  assert.deepEqual((await badge('/badge/acme/app.svg?branch=next')).texts, ['next', 'failing']);
  assert.deepEqual((await badge('/badge/acme/app.svg?branch=gone')).texts, ['gone', 'no runs']);
  const odd = await badge(`/badge/acme/app.svg?branch=${encodeURIComponent('a&b<c>')}`);
  assert.equal(odd.error, null, `a branch name with XML characters stays valid XML: ${odd.body}`);
  assert.deepEqual(odd.texts, ['a&b<c>', 'running']);
});

test("a private repository's badge is as absent as an unknown one, unless a token is in the cookie", async () => {
  assert.equal((await badge('/badge/acme/hidden.svg')).res.status, 404);
  assert.equal((await badge('/badge/acme/nothing.svg')).res.status, 404);
  const seen = await badge('/badge/acme/hidden.svg', { cookie: `slipway_token=${token}` });
  assert.deepEqual(seen.texts, ['main', 'passing']);
});
