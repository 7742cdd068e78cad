import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatError } from '../parse/errors.js';
import { parsePipeline } from '../parse/parse.js';
import { makeEvent } from './event.js';
import { planRun } from './plan.js';

const pipeline = (resources: string, stepResources = '') =>
  [
    'image: busybox:latest',
    'jobs:',
    '  test:',
    `    resources: ${resources}`,
    '    steps:',
    `      - run: make test${stepResources ? `\n        resources: ${stepResources}` : ''}`,
  ].join('\n');

test("a job's disk becomes the JobSpec's diskBytes, and is not a step's limit", () => {
  const parsed = parsePipeline(pipeline('{ disk: 64M, memory: 1G }'), '.slipway.yml');
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const planned = planRun(parsed, makeEvent());
  assert.ok(planned.ok);
  const job = planned.plan.jobs[0]?.spec;
  assert.deepEqual(job?.resources, { diskBytes: 64 * 2 ** 20, memoryBytes: 2 ** 30 });
  assert.deepEqual(job?.steps[0]?.resources, { memoryBytes: 2 ** 30 });
});

test('a disk size out of bounds, or on a step, is a clear error', () => {
  const errors = (text: string) => {
    const r = parsePipeline(text, '.slipway.yml');
    return r.ok ? [] : r.errors.map(formatError).join('\n');
  };
  assert.match(String(errors(pipeline('{ disk: 1M }'))), /disk "1M" must be from 16M to 16T/);
  assert.match(String(errors(pipeline('{ disk: lots }'))), /invalid disk size "lots"/);
  assert.match(
    String(errors(pipeline('{ memory: 1G }', '{ disk: 1G }'))),
    /disk is shared by the job's workspace and containers: set it in the job's resources/,
  );
});
