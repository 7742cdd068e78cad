import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunsDeps } from '../server/runs/index.js';
import { getRun, keys, type RunRecord } from '../server/store/index.js';
import { csrfFor, TOKEN_COOKIE } from '../server/web/index.js';
import { browserContext } from './helpers/browser.js';
import { createFakeExecutor } from './helpers/fake-executor.js';
import { startScriptedFleet } from './helpers/runs-deps.js';
import { pushedRun, seedToken, startWebServer } from './helpers/web-server.js';

// Log in with a token, cancel and re-run from the run page; nobody else can, not even by a forged POST.

let url: string;
let deps: RunsDeps;
let token: string;
before(async () => {
  const web = await startWebServer();
  ({ url, deps } = web);
  await startScriptedFleet(deps, createFakeExecutor({ hang: { steps: { work: { hang: true } } } }));
  token = await seedToken(deps, 'ops');
});

const HANG = 'jobs:\n  hang:\n    image: busybox\n    steps:\n      - name: work\n        run: sleep 1000\n';

async function until(id: string, done: (r: RunRecord) => boolean): Promise<RunRecord> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
    const run = await getRun(deps.redis, id);
    if (run && done(run)) return run;
  }
  assert.fail(`run ${id} never got there`);
}

test('logged in with a token, the run page cancels a running run and re-runs it', async () => {
  const { run } = await pushedRun(deps, HANG);
  await until(run.id, (r) => r.status === 'running');
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  assert.equal(await page.locator('button[data-action="cancel"]').count(), 0, 'no control without a token');
  await page.click('a.account');
  await page.fill('input[name="token"]', 'slp_wrong');
  await page.click('form.login button');
  assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /unknown or revoked/);
  await page.fill('input[name="token"]', token);
  await page.click('form.login button');
  assert.equal(await page.locator('header .account .muted').textContent(), 'ops');
  const cookie = (await page.context().cookies()).find((c) => c.name === TOKEN_COOKIE);
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  await page.goto(`${url}/runs/${run.id}`);
  await page.click('button[data-action="cancel"]');
  await page.locator('h1 .state[data-state="cancelled"]').waitFor({ timeout: 5000 });
  assert.equal((await getRun(deps.redis, run.id))?.status, 'cancelled');
  await page.click('button[data-action="rerun"]');
  await page.waitForURL((u) => !u.pathname.endsWith(run.id));
  const again = await getRun(deps.redis, new URL(page.url()).pathname.split('/').pop() ?? '');
  assert.equal(again?.rerunOf, run.id, 'the new run links to the old one');
  await page.click('button[data-action="cancel"]');
  await until(again?.id ?? '', (r) => r.status === 'cancelled');
});

test('a forged cancel is refused: no token, a token without the CSRF value, another site as Origin', async () => {
  const { run } = await pushedRun(deps, HANG);
  await until(run.id, (r) => r.status === 'running');
  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${url}/runs/${run.id}/cancel`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
  const cookie = `${TOKEN_COOKIE}=${token}`;
  assert.equal((await post({}, `_csrf=${csrfFor(token)}`)).status, 403, 'no token');
  assert.equal((await post({ cookie }, '')).status, 403, 'a token but no CSRF value');
  assert.equal((await post({ cookie }, `_csrf=${'0'.repeat(40)}`)).status, 403, 'a wrong CSRF value');
  assert.equal(
    (await post({ cookie, origin: 'https://evil.example' }, `_csrf=${csrfFor(token)}`)).status,
    403,
    'another site',
  );
  assert.equal(
    (await post({ authorization: `Bearer ${token}` }, '')).status,
    403,
    'a bearer token is not a form login',
  );
  assert.equal((await getRun(deps.redis, run.id))?.status, 'running', 'still running after every forged try');
  assert.equal(
    (await post({ cookie, origin: url }, `_csrf=${csrfFor(token)}`)).status,
    303,
    'the real form works',
  );
  await until(run.id, (r) => r.status === 'cancelled');
});

test('after log out the controls are gone and the cookie no longer writes', async () => {
  const context = await browserContext();
  const { hostname } = new URL(url);
  await context.addCookies([
    { name: TOKEN_COOKIE, value: token, domain: hostname, path: '/', httpOnly: true, sameSite: 'Strict' },
  ]);
  const page = await context.newPage();
  await page.goto(url);
  await page.click('header .account button');
  assert.equal(await page.locator('a.account').textContent(), 'Log in');
  assert.equal(
    (await context.cookies()).some((c) => c.name === TOKEN_COOKIE),
    false,
  );
});

test('a manual run from the runs page: logged in only, at a branch; an unknown branch says so; a forged trigger is refused', async () => {
  const { repo } = await pushedRun(deps, HANG);
  const runsOf = () => deps.redis.zcard(keys.repoRuns(repo.fullName));
  const anonymous = await (await browserContext()).newPage();
  await anonymous.goto(`${url}/repos/${repo.fullName}`);
  assert.equal(
    await anonymous.locator('button[data-action="trigger"]').count(),
    0,
    'no control without a token',
  );
  const forged = await fetch(`${url}/repos/${repo.fullName}/trigger`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${TOKEN_COOKIE}=${token}` },
    body: 'branch=main',
  });
  assert.equal(forged.status, 403, 'a token without the CSRF value');
  const before = await runsOf();
  const context = await browserContext();
  await context.addCookies([{ name: TOKEN_COOKIE, value: token, url }]);
  const page = await context.newPage();
  await page.goto(`${url}/repos/${repo.fullName}`);
  assert.equal(await page.locator('form.trigger input[name="branch"]').inputValue(), 'main');
  await page.fill('form.trigger input[name="branch"]', 'no-such-branch');
  await page.click('button[data-action="trigger"]');
  assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /no-such-branch/);
  assert.equal(await runsOf(), before, 'no run for an unknown branch');
  await page.fill('form.trigger input[name="branch"]', 'main');
  await page.click('button[data-action="trigger"]');
  await page.waitForURL(/\/runs\/[a-z0-9]+$/);
  const run = await getRun(deps.redis, new URL(page.url()).pathname.split('/').pop() ?? '');
  assert.equal(run?.trigger.kind, 'manual');
  assert.equal(run?.trigger.commit.author, 'manual trigger by ops');
  assert.equal(await runsOf(), before + 1);
  await page.click('button[data-action="cancel"]');
  await until(run?.id ?? '', (r) => r.status === 'cancelled');
});
