import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { parsePipeline } from './parse/parse.js';
import { makeEvent } from './plan/event.js';
import { planRun, type RunPlan } from './plan/plan.js';

/**
 * Property: any mutation of a valid pipeline file (lines deleted, duplicated, swapped or
 * re-indented, scalars replaced, random keys or bytes inserted) never makes parse or plan
 * throw — the outcome is always a plan or a non-empty list of positioned errors — for a branch
 * push, a tag push, a pull request and a manual run. A plan accounts for every job of the file
 * (run or skipped, never both, never neither) and only needs jobs it runs.
 */
const validDir = new URL('./testdata/valid/', import.meta.url).pathname;
const seeds = readdirSync(validDir)
  .sort()
  .map((name) => readFileSync(join(validDir, name, '.slipway.yml'), 'utf8'));
seeds.push(readFileSync(new URL('./examples/full/.slipway.yml', import.meta.url), 'utf8'));

const scalars = [
  '',
  '~',
  'null',
  '[]',
  '{}',
  '0',
  '-1',
  '1.5',
  'true',
  '"x"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: pipeline ${VAR} syntax
  '${CI_X}',
  '${',
  '[a',
  '*x',
  '&a',
  '!!binary',
  'a: b',
  '- x',
  '10m',
  'v*',
  'steps',
  '\u00e9\u00df',
  '\t',
];
const keys = [
  'steps',
  'stpes',
  'run',
  'image',
  'needs',
  'matrix',
  'include',
  'exclude',
  'when',
  'services',
  'jobs',
  '<<',
  '__proto__',
  'constructor',
  '? x',
  'on',
  'build',
  'cache',
];

type Mutation = (lines: string[]) => string[];
const idx = fc.nat();
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  idx.map((i) => (l: string[]) => l.filter((_, j) => j !== i % Math.max(1, l.length))),
  idx.map((i) => (l: string[]) => {
    const k = i % Math.max(1, l.length);
    return [...l.slice(0, k + 1), l[k] ?? '', ...l.slice(k + 1)];
  }),
  fc.tuple(idx, idx).map(([a, b]) => (l: string[]) => {
    const out = [...l];
    const i = a % Math.max(1, l.length);
    const j = b % Math.max(1, l.length);
    [out[i], out[j]] = [out[j] ?? '', out[i] ?? ''];
    return out;
  }),
  fc.tuple(idx, fc.integer({ min: -4, max: 4 })).map(
    ([i, d]) =>
      (l: string[]) =>
        l.map((line, j) =>
          j === i % Math.max(1, l.length) ? (d >= 0 ? ' '.repeat(d) + line : line.slice(-d)) : line,
        ),
  ),
  fc.tuple(idx, fc.constantFrom(...scalars)).map(
    ([i, s]) =>
      (l: string[]) =>
        l.map((line, j) => (j === i % Math.max(1, l.length) ? line.replace(/:\s.*$/, `: ${s}`) : line)),
  ),
  fc
    .tuple(idx, fc.constantFrom(...keys), fc.constantFrom(...scalars), fc.nat(8))
    .map(([i, k, s, indent]) => (l: string[]) => {
      const at = i % (l.length + 1);
      return [...l.slice(0, at), `${' '.repeat(indent)}${k}: ${s}`, ...l.slice(at)];
    }),
  fc.tuple(idx, fc.string({ unit: 'binary', maxLength: 6 })).map(([i, bytes]) => (l: string[]) => {
    const text = l.join('\n');
    const at = i % (text.length + 1);
    return `${text.slice(0, at)}${bytes}${text.slice(at)}`.split('\n');
  }),
);

test('mutated pipeline files never throw: always a plan or positioned errors', () => {
  const events = [
    makeEvent({ changedPaths: ['src/a.ts'] }),
    makeEvent({ kind: 'tag', tag: 'v1.0.0' }),
    makeEvent({
      kind: 'pull_request',
      branch: 'feature/x',
      changedPaths: ['docs/intro.md'],
      pullRequest: { number: 7, targetBranch: 'main' },
    }),
    makeEvent({ kind: 'manual', branch: 'release/1.x' }),
  ];
  const kinds = new Set<string>();
  let plans = 0;
  let failures = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (seed, muts) => {
        const text = muts.reduce((lines, m) => m(lines), seed.split('\n')).join('\n');
        const parsed = parsePipeline(text, '.slipway.yml');
        const results = parsed.ok ? events.map((e) => planRun(parsed, e)) : [parsed];
        for (const r of results) {
          if (r.ok) {
            plans++;
            if (parsed.ok) accountsForEveryJob(r.plan, Object.keys(parsed.pipeline.jobs), text);
            if (r.plan.jobs.length > 0) kinds.add(r.plan.jobs[0]?.spec.env.CI_EVENT ?? '');
            continue;
          }
          failures++;
          assert.ok(r.errors.length > 0, `no errors for:\n${text}`);
          for (const e of r.errors) {
            assert.equal(e.file, '.slipway.yml');
            assert.ok(Number.isInteger(e.line) && e.line >= 1, `bad line in ${JSON.stringify(e)}`);
            assert.ok(Number.isInteger(e.col) && e.col >= 1, `bad col in ${JSON.stringify(e)}`);
            assert.ok(e.message.length > 0);
          }
        }
      },
    ),
    { numRuns: 3000, seed: Number(process.env.FUZZ_SEED ?? 20240601) },
  );
  assert.ok(plans > 0 && failures > 0, `expected both outcomes, got ${plans} plans and ${failures} failures`);
  assert.deepEqual([...kinds].sort(), ['manual', 'pull_request', 'push', 'tag'], 'events that ran jobs');
});

function accountsForEveryJob(plan: RunPlan, jobs: string[], text: string) {
  const ran = new Set(plan.jobs.map((j) => j.job));
  const skipped = plan.skipped.map((s) => s.job);
  const both = skipped.filter((j) => ran.has(j));
  assert.deepEqual(both, [], `jobs both run and skipped for:\n${text}`);
  assert.deepEqual([...ran, ...skipped].sort(), [...jobs].sort(), `jobs missing from the plan for:\n${text}`);
  const ids = new Set(plan.jobs.map((j) => j.id));
  for (const j of plan.jobs)
    for (const n of j.spec.needs)
      assert.ok(ids.has(n), `job "${j.name}" needs "${n}", not planned:\n${text}`);
}
