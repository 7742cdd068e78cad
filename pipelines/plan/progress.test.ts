import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePipeline } from '../parse/parse.js';
import { makeEvent } from './event.js';
import { planRun, type RunPlan } from './plan.js';
import { type JobOutcome, nextJobs } from './progress.js';

function plan(jobs: string): RunPlan {
  const parsed = parsePipeline(`image: busybox:latest\njobs:\n${jobs}`, '.slipway.yml');
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map((e) => e.message).join('\n'));
  const planned = planRun(parsed, makeEvent());
  assert.ok(planned.ok, planned.ok ? '' : planned.errors.map((e) => e.message).join('\n'));
  return planned.plan;
}

const ok: JobOutcome = { status: 'success', allowedFailure: false };
const failed: JobOutcome = { status: 'failure', allowedFailure: false };
const allowed: JobOutcome = { status: 'failure', allowedFailure: true };
const cancelled: JobOutcome = { status: 'cancelled', allowedFailure: false };

/** ready / skipped as job ids, plus done. */
function next(p: RunPlan, results: Record<string, JobOutcome>, only?: string[]) {
  const r = nextJobs(p, new Map(Object.entries(results)), only ? { only: new Set(only) } : {});
  return { ready: r.ready.map((j) => j.id), skipped: r.skipped.map((j) => j.id), done: r.done };
}

const diamond = plan(`  build:
    steps: [{ run: make }]
  lint:
    steps: [{ run: lint }]
  deploy:
    needs: [build, lint]
    steps: [{ run: deploy }]
  notify:
    needs: [build, lint]
    when: { status: [failure] }
    steps: [{ run: page }]
  cleanup:
    needs: [deploy]
    when: { status: [always] }
    steps: [{ run: rm }]
`);

test('jobs without needs are ready at once; dependents wait for every need', () => {
  assert.deepEqual(next(diamond, {}), { ready: ['build', 'lint'], skipped: [], done: false });
  assert.deepEqual(next(diamond, { build: ok }), { ready: ['lint'], skipped: [], done: false });
});

test('success runs the success jobs and skips the failure ones; the skip propagates', () => {
  assert.deepEqual(next(diamond, { build: ok, lint: ok }), {
    ready: ['deploy'],
    skipped: ['notify'],
    done: false,
  });
  assert.deepEqual(
    next(diamond, { build: ok, lint: ok, deploy: ok, notify: { status: 'skipped', allowedFailure: false } }),
    {
      ready: ['cleanup'],
      skipped: [],
      done: false,
    },
  );
});

test('a failed need runs the failure jobs; the success job is skipped and `always` still runs', () => {
  assert.deepEqual(next(diamond, { build: failed, lint: ok }), {
    ready: ['notify', 'cleanup'],
    skipped: ['deploy'],
    done: false,
  });
  assert.deepEqual(next(diamond, { build: cancelled, lint: ok }).skipped, ['deploy']);
});

test('an allowed failure counts as success', () => {
  assert.deepEqual(next(diamond, { build: allowed, lint: ok }), {
    ready: ['deploy'],
    skipped: ['notify'],
    done: false,
  });
});

test('a skipped need propagates in one answer, and done says nothing is left', () => {
  const chain = plan(`  a:
    steps: [{ run: a }]
  b:
    needs: [a]
    steps: [{ run: b }]
  c:
    needs: [b]
    steps: [{ run: c }]
  d:
    needs: [c]
    when: { status: [failure] }
    steps: [{ run: d }]
`);
  assert.deepEqual(next(chain, { a: failed }), { ready: ['d'], skipped: ['b', 'c'], done: false });
  assert.deepEqual(next(chain, { a: ok, b: ok, c: ok }), { ready: [], skipped: ['d'], done: true });
  assert.deepEqual(next(chain, { a: ok, b: ok, c: ok, d: { status: 'skipped', allowedFailure: false } }), {
    ready: [],
    skipped: [],
    done: true,
  });
});

test('it is pure and idempotent: the same results give the same answer, and nothing changes them', () => {
  const results = new Map(Object.entries({ build: failed, lint: ok }));
  const first = nextJobs(diamond, results);
  assert.deepEqual(nextJobs(diamond, results), first);
  assert.deepEqual([...results.keys()], ['build', 'lint']);
  assert.deepEqual(
    first.ready.map((j) => j.spec),
    diamond.jobs.filter((j) => j.id === 'notify' || j.id === 'cleanup').map((j) => j.spec),
  );
});

test('every matrix variant is awaited before a job that needs the matrix job', () => {
  const matrix = plan(`  test:
    matrix:
      node: [18, 20, 22]
    steps: [{ run: test }]
  publish:
    needs: [test]
    steps: [{ run: publish }]
`);
  const variants = matrix.jobs.filter((j) => j.job === 'test').map((j) => j.id);
  assert.equal(variants.length, 3);
  assert.deepEqual(next(matrix, {}).ready, variants);
  const [v18, v20, v22] = variants as [string, string, string];
  assert.deepEqual(next(matrix, { [v18]: ok, [v20]: ok }), { ready: [v22], skipped: [], done: false });
  assert.deepEqual(next(matrix, { [v18]: ok, [v20]: ok, [v22]: ok }).ready, ['publish']);
  assert.deepEqual(next(matrix, { [v18]: ok, [v20]: failed, [v22]: ok }).skipped, ['publish']);
});

test('`only` makes the selected jobs ready at once whatever their needs, and leaves the rest out', () => {
  assert.deepEqual(next(diamond, {}, ['notify', 'deploy']), {
    ready: ['deploy', 'notify'],
    skipped: [],
    done: false,
  });
  assert.deepEqual(next(diamond, { deploy: ok }, ['notify', 'deploy']), {
    ready: ['notify'],
    skipped: [],
    done: false,
  });
  assert.deepEqual(next(diamond, { deploy: ok, notify: failed }, ['notify', 'deploy']), {
    ready: [],
    skipped: [],
    done: true,
  });
});
