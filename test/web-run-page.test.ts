import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunsDeps } from '../server/runs/index.js';
import { getRun, type RunRecord } from '../server/store/index.js';
import { browserContext, screenshotAll } from './helpers/browser.js';
import { createFakeExecutor } from './helpers/fake-executor.js';
import { startScriptedFleet } from './helpers/runs-deps.js';
import { pushedRun, startWebServer } from './helpers/web-server.js';

// A run's page in a real browser: the job graph from `needs`, states, why jobs wait, problems.

let url: string;
let deps: RunsDeps;
const executor = createFakeExecutor({
  unit: { steps: { work: { durationMs: 400 } } },
  docs: { steps: { work: { exitCode: 1 } } },
  hang: { steps: { work: { hang: true } } },
  slow: { steps: { work: { durationMs: 8000 } } },
});

before(async () => {
  const web = await startWebServer();
  url = web.url;
  deps = web.deps;
  await startScriptedFleet(deps, executor);
});

const job = (name: string, extra = '') =>
  `  ${name}:\n    image: busybox\n${extra}    steps:\n      - name: work\n        run: echo ${name}\n`;

const pushed = (pipeline: string) => pushedRun(deps, pipeline);

async function settled(id: string, done: (r: RunRecord) => boolean): Promise<RunRecord> {
  for (const end = Date.now() + 20_000; Date.now() < end; await sleep(50)) {
    const run = await getRun(deps.redis, id);
    if (run && done(run)) return run;
  }
  assert.fail(`run ${id} never settled`);
}

const SIX_JOBS = `jobs:\n${job('lint')}${job('unit')}${job('build', '    needs: [lint, unit]\n')}${job('docs', '    needs: lint\n')}${job('e2e', '    needs: build\n')}${job('deploy', '    needs: [e2e, docs]\n')}`;

test('the job graph: a column per depth, an edge per need, each node in its state, linked to its job', async () => {
  const { run } = await pushed(SIX_JOBS);
  await settled(run.id, (r) => r.status === 'failure');
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  assert.equal(await page.locator('h1 .state').getAttribute('data-state'), 'failure');
  const nodes = page.locator('svg.graph .node');
  assert.equal(await nodes.count(), 6);
  assert.equal(
    await page.locator('svg.graph .edge').count(),
    6,
    'lint→build, unit→build, lint→docs, build→e2e, e2e→deploy, docs→deploy',
  );
  const x = async (job: string) =>
    Number(await page.locator(`.node[data-job="${job}"] rect`).getAttribute('x'));
  assert.equal(await x('lint'), await x('unit'));
  assert.ok((await x('build')) > (await x('unit')), 'build is right of what it needs');
  assert.equal(await x('docs'), await x('build'));
  assert.ok((await x('deploy')) > (await x('e2e')) && (await x('e2e')) > (await x('build')));
  const state = (job: string) => page.locator(`.node[data-job="${job}"]`).getAttribute('data-state');
  assert.equal(await state('docs'), 'failure');
  assert.equal(await state('deploy'), 'skipped');
  assert.equal(await state('unit'), 'success');
  assert.match((await page.locator('.node[data-job="unit"] .note').textContent()) ?? '', /^\d+ ms$|^\d+ s$/);
  const href = await page.locator('.node[data-job="e2e"]').getAttribute('href');
  assert.match(href ?? '', /^\/jobs\/[a-z0-9]+-\d+$/);
  assert.equal(
    await page.locator('table.jobs tr[data-job="deploy"] .state').getAttribute('data-state'),
    'skipped',
  );
});

test('a matrix job is one node: the group state, a dot per variant linked to its job, one edge to what needs it', async () => {
  const matrix = '    matrix:\n      os: [debian, alpine]\n      node: ["20", "22"]\n';
  const { run } = await pushed(
    `jobs:\n${job('lint')}${job('unit', `    needs: lint\n${matrix}`)}${job('ship', '    needs: unit\n')}`,
  );
  await settled(run.id, (r) => r.status === 'success');
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  assert.equal(await page.locator('svg.graph .node').count(), 3, 'lint, the unit group, ship');
  const group = page.locator('.node.group[data-job="unit"]');
  assert.equal(await group.getAttribute('data-state'), 'success');
  assert.equal(await group.locator('.count').textContent(), '×4');
  assert.match((await group.locator(':scope > title').textContent()) ?? '', /4 variants · 4 passed/);
  const variants = group.locator('a.variant');
  assert.equal(await variants.count(), 4);
  const titles = await variants.locator('title').allTextContents();
  assert.deepEqual(titles.sort(), [
    'unit (os=alpine, node=20): passing',
    'unit (os=alpine, node=22): passing',
    'unit (os=debian, node=20): passing',
    'unit (os=debian, node=22): passing',
  ]);
  await variants.first().click();
  await page.waitForURL(/\/jobs\/[a-z0-9]+-\d+$/);
  await page.goBack();
  assert.equal(await page.locator('svg.graph .edge').count(), 2, 'lint → unit, unit → ship');
  assert.equal(await page.locator('table.jobs tbody tr').count(), 6, 'the job list names every variant');
});

test('a job that waits says why, on its node and in the job list', async () => {
  const { run } = await pushed(
    `jobs:\n${job('hang')}${job('gpu', '    runs-on: [gpu]\n')}${job('after', '    needs: hang\n')}`,
  );
  await settled(run.id, (r) => r.status === 'running');
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  assert.equal(
    await page.locator('tr[data-job="gpu"] .pending').textContent(),
    'no runner online with labels [gpu]',
  );
  assert.equal(await page.locator('tr[data-job="after"] .pending').textContent(), 'waiting for jobs hang');
  assert.match(
    (await page.locator('.node[data-job="gpu"] title').textContent()) ?? '',
    /no runner online with labels \[gpu\]/,
  );
});

test('a running run page shows state changes of its jobs and its own without a reload, focus kept', async () => {
  const { run } = await pushed(`jobs:\n${job('slow')}${job('after', '    needs: slow\n')}`);
  await settled(run.id, (r) => r.status === 'running');
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  assert.equal(await page.locator('.node[data-job="after"]').getAttribute('data-state'), 'waiting');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  await page.locator('.node[data-job="slow"]').focus();
  await page.locator('.node[data-job="after"][data-state="success"]').waitFor({ timeout: 15_000 });
  await page.locator('h1 .state[data-state="success"]').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
  assert.equal(await page.locator('tr[data-job="slow"] .state').getAttribute('data-state'), 'success');
  assert.match((await page.locator('link[rel="icon"]').getAttribute('href')) ?? '', /success\.svg$/);
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute('data-job')),
    'slow',
    'the focused node keeps the focus',
  );
  assert.equal(await page.locator('body').getAttribute('data-poll'), null, 'a finished run is not polled');
});

test('an invalid pipeline: each positioned problem shows beside its line of the file', async () => {
  const pipeline = 'jobs:\n  broken:\n    image: busybox\n    steps: 42\n';
  const { run } = await pushed(pipeline);
  assert.equal(run.status, 'error');
  const problems = run.problems.filter((p) => p.line > 0);
  assert.ok(problems.length >= 1, JSON.stringify(run.problems));
  const page = await (await browserContext()).newPage();
  await page.goto(`${url}/runs/${run.id}`);
  const source = page.locator('figure.source[data-file=".slipway.yml"]');
  for (const p of problems) {
    const line = source.locator(`li.src[data-line="${p.line}"]`);
    assert.equal(await line.getAttribute('class'), 'src problem');
    assert.equal(await line.locator('code').textContent(), pipeline.split('\n')[p.line - 1]);
    const note = line.locator('xpath=following-sibling::li[1]');
    assert.equal(await note.getAttribute('class'), 'annotation');
    assert.equal(await note.locator('.message').textContent(), p.message);
  }
  assert.equal(await page.locator('svg.graph').count(), 0);
  assert.equal(await screenshotAll(`${url}/runs/${run.id}`, 'run-error').then((w) => w.length), 4);
});

test('an unknown run is not found', async () => {
  const page = await (await browserContext()).newPage();
  assert.equal((await page.goto(`${url}/runs/nosuchrun1`))?.status(), 404);
});

test('screenshots of a run page with a 6-job graph, light and dark, desktop and phone', async () => {
  const { run } = await pushed(SIX_JOBS);
  await settled(run.id, (r) => r.status === 'failure');
  assert.equal((await screenshotAll(`${url}/runs/${run.id}`, 'run')).length, 4);
});
