import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatError } from '../parse/errors.js';
import { parsePipeline } from '../parse/parse.js';
import { makeEvent } from './event.js';
import { planRun } from './plan.js';

/**
 * planRun also takes pipelines that did not come from parsePipeline's checks (built or changed
 * in code): a job whose matrix has no combination must fail the plan, not silently drop out of
 * it while the jobs that need it run without it.
 */
test('a matrix emptied by exclude fails the plan instead of dropping the job', () => {
  const text = [
    'image: busybox:latest',
    'jobs:',
    '  test:',
    '    matrix:',
    '      node: [18, 20]',
    '    steps:',
    '      - run: make test',
    '  deploy:',
    '    needs: test',
    '    steps:',
    '      - run: ./deploy',
  ].join('\n');
  const parsed = parsePipeline(text, '.slipway.yml');
  assert.ok(parsed.ok);
  const test = parsed.pipeline.jobs.test;
  assert.ok(test?.matrix);
  test.matrix.exclude = [{ node: '18' }, { node: '20' }];
  const planned = planRun(parsed, makeEvent());
  assert.equal(planned.ok, false, 'expected the plan to fail');
  assert.deepEqual(planned.ok ? [] : planned.errors.map(formatError), [
    '.slipway.yml:4:5: matrix of job "test" has no combinations left after exclude',
  ]);
});
