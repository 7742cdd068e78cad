import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatError } from './parse/errors.js';
import { parsePipeline } from './parse/parse.js';
import { makeEvent, type PlanEvent } from './plan/event.js';
import { planRun } from './plan/plan.js';

/**
 * Named fixture cases under testdata/: `valid/<case>/` holds `.slipway.yml`, an optional
 * `event.json` (a partial event; the rest is makeEvent's defaults) and the golden `plan.json`;
 * `invalid/<case>/` holds `.slipway.yml`, an optional `event.json` and `errors.txt` with the
 * exact error lines. UPDATE_GOLDEN=1 rewrites plan.json and errors.txt — review the diff.
 */
const root = new URL('./testdata/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1';

function readCase(dir: string): { text: string; event: PlanEvent } {
  const eventFile = join(dir, 'event.json');
  const partial = existsSync(eventFile)
    ? (JSON.parse(readFileSync(eventFile, 'utf8')) as Partial<PlanEvent>)
    : {};
  return { text: readFileSync(join(dir, '.slipway.yml'), 'utf8'), event: makeEvent(partial) };
}

function cases(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(join(root, kind)).sort();
}

test('there are at least 40 named fixture cases', () => {
  assert.ok(cases('valid').length + cases('invalid').length >= 40);
});

for (const name of cases('valid')) {
  test(`valid/${name}: plan matches plan.json`, () => {
    const dir = join(root, 'valid', name);
    const { text, event } = readCase(dir);
    const parsed = parsePipeline(text, '.slipway.yml');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map(formatError).join('\n'));
    const planned = planRun(parsed, event);
    assert.ok(planned.ok, planned.ok ? '' : planned.errors.map(formatError).join('\n'));
    const actual = `${JSON.stringify(planned.plan, null, 2)}\n`;
    const golden = join(dir, 'plan.json');
    if (update) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, 'utf8'));
  });
}

for (const name of cases('invalid')) {
  test(`invalid/${name}: errors match errors.txt`, () => {
    const dir = join(root, 'invalid', name);
    const { text, event } = readCase(dir);
    const parsed = parsePipeline(text, '.slipway.yml');
    const result = parsed.ok ? planRun(parsed, event) : parsed;
    assert.equal(result.ok, false, 'expected errors, got a plan');
    const actual = `${result.ok ? '' : result.errors.map(formatError).join('\n')}\n`;
    const golden = join(dir, 'errors.txt');
    if (update) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, 'utf8'));
  });
}

test('the pipeline reference example in README.md is a valid pipeline', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('<!-- pipeline-reference:start -->'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const parsed = parsePipeline(yaml, 'README.md');
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map(formatError).join('\n'));
  assert.deepEqual(Object.keys(parsed.pipeline.jobs), ['lint', 'test', 'image']);
});
