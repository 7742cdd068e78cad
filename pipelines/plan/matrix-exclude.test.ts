import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parsePipeline } from '../parse/parse.js';
import { makeEvent } from './event.js';
import { planRun } from './plan.js';

/**
 * Property: for random matrices with `exclude`, the plan runs exactly the combinations a
 * person computes by hand (the cross product minus every combination an entry matches on all
 * its keys), and the job that needs the matrix job waits for every one of them; when nothing
 * is left, lint says so at the matrix instead of the job silently dropping out.
 */
test('random matrix excludes: the expected combinations run, or lint says none are left', () => {
  const AXES = ['node', 'os', 'db'] as const;
  const values = fc.uniqueArray(fc.constantFrom('1', '2', '3'), { minLength: 1, maxLength: 3 });
  const entry = fc.record(
    {
      node: fc.constantFrom('1', '2', '3'),
      os: fc.constantFrom('1', '2', '3'),
      db: fc.constantFrom('1', '2'),
    },
    { requiredKeys: [] },
  );
  let emptied = 0;
  let planned = 0;
  fc.assert(
    fc.property(
      fc.tuple(fc.option(values), fc.option(values), fc.option(values)),
      fc.array(entry, { maxLength: 4 }),
      (lists, rawExcludes) => {
        const axes = AXES.flatMap((a, i) => (lists[i] ? [[a, lists[i]] as const] : []));
        fc.pre(axes.length > 0);
        const names = axes.map(([a]) => a as string);
        const excludes = rawExcludes.map((e) =>
          Object.fromEntries(Object.entries(e).filter(([k]) => names.includes(k))),
        );
        let combos: Record<string, string>[] = [{}];
        for (const [a, vs] of axes) combos = combos.flatMap((c) => vs.map((v) => ({ ...c, [a]: v })));
        const expected = combos
          .filter((c) => !excludes.some((ex) => Object.entries(ex).every(([k, v]) => c[k] === v)))
          .map((c) => `test (${names.map((a) => `${a}=${c[a]}`).join(', ')})`);
        const matrix = JSON.stringify({ ...Object.fromEntries(axes), exclude: excludes });
        const text = `image: busybox:latest\njobs:\n  test:\n    matrix: ${matrix}\n    steps:\n      - run: make test\n  after:\n    needs: test\n    steps:\n      - run: ./after\n`;
        const parsed = parsePipeline(text, '.slipway.yml');
        if (expected.length === 0) {
          emptied++;
          assert.equal(parsed.ok, false, `expected a lint error for:\n${text}`);
          assert.deepEqual(parsed.ok ? [] : parsed.errors.map((e) => `${e.line}:${e.col}: ${e.message}`), [
            '4:5: matrix of job "test" has no combinations left after exclude: remove an "exclude" entry or add an "include"',
          ]);
          return;
        }
        planned++;
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map((e) => e.message).join('\n'));
        const r = planRun(parsed, makeEvent());
        assert.ok(r.ok);
        const tests = r.plan.jobs.filter((j) => j.job === 'test');
        assert.deepEqual(tests.map((j) => j.name).sort(), [...expected].sort());
        const after = r.plan.jobs.find((j) => j.job === 'after');
        assert.deepEqual([...(after?.spec.needs ?? [])].sort(), tests.map((j) => j.id).sort());
      },
    ),
    { numRuns: 500, seed: Number(process.env.FUZZ_SEED ?? 20240601) },
  );
  assert.ok(
    emptied > 0 && planned > 0,
    `expected both outcomes, got ${planned} plans and ${emptied} emptied`,
  );
});
