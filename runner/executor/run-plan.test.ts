import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobResult } from '../../pipelines/index.js';
import { makeEvent, parsePipeline, planRun, type RunPlan } from '../../pipelines/index.js';
import { createFakeExecutor, type FakeJob } from '../../test/helpers/fake-executor.js';
import type { ExecutorEvents } from './events.js';
import { runPlan } from './run-plan.js';

const yaml = `image: busybox:latest
jobs:
  build:
    steps: [{ name: make, run: make }]
  lint:
    allow_failure: true
    steps: [{ name: lint, run: lint }]
  test:
    needs: [build, lint]
    matrix: { node: [18, 20] }
    steps: [{ name: test, run: test }]
  deploy:
    needs: [test]
    steps: [{ name: deploy, run: deploy }]
  page:
    needs: [test]
    when: { status: [failure] }
    steps: [{ name: page, run: page }]
`;

function plan(): RunPlan {
  const parsed = parsePipeline(yaml, '.slipway.yml');
  assert.ok(parsed.ok);
  const planned = planRun(parsed, makeEvent());
  assert.ok(planned.ok);
  return planned.plan;
}

async function run(script: Record<string, FakeJob>, opts: { only?: string[]; abortAfter?: string } = {}) {
  const fake = createFakeExecutor(script);
  const abort = new AbortController();
  const finished: string[] = [];
  const events: ExecutorEvents = {
    log() {},
    jobFinished(r: JobResult) {
      finished.push(`${r.name}: ${r.status}`);
      if (r.name === opts.abortAfter) abort.abort();
    },
  };
  const only = opts.only ? { only: opts.only } : {};
  const results = await runPlan(plan(), { kind: 'dir', path: '/src' }, fake, events, {
    ...only,
    signal: abort.signal,
  });
  const ran = fake.calls.map((s) => s.job.name);
  return { results: results.map((r) => `${r.name}: ${r.status}`), finished, ran };
}

test('jobs run one at a time in layer order; an allowed failure lets dependents run', async () => {
  const { results, finished, ran } = await run({ lint: { steps: { lint: { exitCode: 1 } } } });
  const expected = ['build: success', 'lint: failure', 'test (node=18): success', 'test (node=20): success'];
  assert.deepEqual(results, [...expected, 'deploy: success', 'page: skipped']);
  assert.deepEqual(finished, results, 'every result is reported once, in the order decided');
  assert.deepEqual(ran, ['build', 'lint', 'test (node=18)', 'test (node=20)', 'deploy']);
});

test('a failed matrix variant skips the success job and runs the failure job', async () => {
  const { results } = await run({ 'test (node=20)': { steps: { test: { exitCode: 2 } } } });
  assert.deepEqual(results.slice(3), ['test (node=20): failure', 'deploy: skipped', 'page: success']);
});

test('`only` runs the selected jobs (by name or key) whatever their needs, and nothing else', async () => {
  const { results, ran } = await run({}, { only: ['page', 'test'] });
  assert.deepEqual(ran, ['test (node=18)', 'test (node=20)', 'page']);
  assert.deepEqual(results, ['test (node=18): success', 'test (node=20): success', 'page: success']);
});

test('a cancel marks every job left cancelled, in order', async () => {
  const { results, ran } = await run({}, { abortAfter: 'lint' });
  assert.deepEqual(ran, ['build', 'lint']);
  assert.deepEqual(results, [
    'build: success',
    'lint: success',
    'test (node=18): cancelled',
    'test (node=20): cancelled',
    'deploy: cancelled',
    'page: cancelled',
  ]);
});
