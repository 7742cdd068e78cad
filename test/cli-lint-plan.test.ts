import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { slipwaySync } from './helpers/slipway-cli.js';

/** Runs the real `slipway` entry point (node bin/slipway.mjs) on pipeline fixtures. */
const repo = new URL('../', import.meta.url).pathname;
const testdata = 'pipelines/testdata';

const slipway = (...args: string[]) => slipwaySync(args);

test('slipway lint prints every error compiler-style and exits 1', () => {
  const r = slipway('lint', `${testdata}/invalid/many-errors-at-once`);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, readFileSync(`${repo}${testdata}/invalid/many-errors-at-once/errors.txt`, 'utf8'));
  assert.match(r.stdout, /^\.slipway\.yml:4:3: unknown key "psuh" — did you mean "push"\?$/m);
  assert.match(r.stderr, /4 errors in 1 file/);
});

test('slipway lint exits 0 with an OK line for a valid repository', () => {
  const r = slipway('lint', 'pipelines/examples/full');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, 'ok: 1 pipeline, 6 jobs (.slipway.yml)\n');
});

test('slipway lint reads every .slipway/*.yml and reports duplicate pipeline names', () => {
  const ok = slipway('lint', `${testdata}/repos/multi`);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(ok.stdout, 'ok: 2 pipelines, 3 jobs (.slipway/build.yml, .slipway/release.yml)\n');
  const dup = slipway('lint', `${testdata}/repos/dup-names`);
  assert.equal(dup.code, 1);
  assert.equal(dup.stdout, '.slipway/b.yml:1:7: pipeline name "a" is already used by .slipway/a.yml\n');
  const plan = slipway('plan', `${testdata}/repos/multi`, '--branch', 'main');
  assert.match(
    plan.stdout,
    /pipeline "build" \(\.slipway\/build\.yml\)[\s\S]*compile +busybox:latest +1 step/,
  );
  assert.match(
    plan.stdout,
    /pipeline "release" \(\.slipway\/release\.yml\) for push to branch "main"\n {2}not triggered/,
  );
});

test('slipway lint exits 2 when there is no pipeline file', () => {
  const r = slipway('lint', 'pipelines/schema');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no \.slipway\.yml or \.slipway\/\*\.yml in pipelines\/schema/);
});

test('slipway plan shows jobs in layer order and why others are skipped', () => {
  const r = slipway(
    'plan',
    `${testdata}/valid/when-branch-skips-dependents`,
    '--event',
    'push',
    '--branch',
    'feature/x',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'pipeline "default" (.slipway.yml) for push to branch "feature/x"',
      '  layer 1',
      '    build  busybox:latest  1 step',
      '  skipped',
      '    deploy: when.branch ["main"] does not match push to branch "feature/x"',
      '    smoke: needs "deploy", which is skipped',
      '',
    ].join('\n'),
  );
});

test('slipway plan applies --tag and --changed', () => {
  const tag = slipway('plan', 'pipelines/examples/full', '--tag', 'v1.0.0');
  assert.equal(tag.code, 0, tag.stderr);
  assert.match(tag.stdout, /for tag "v1\.0\.0"/);
  assert.match(tag.stdout, /^ {4}release +alpine:3\.20|^ {4}release /m);
  const docs = slipway(
    'plan',
    'pipelines/examples/full',
    '--branch',
    'main',
    '--changed',
    'docs/a.md,README.md',
  );
  assert.equal(docs.code, 0, docs.stderr);
  assert.match(
    docs.stdout,
    /not triggered: on\.push \(exclude \["docs\/\*\*","\*\*\/\*\.md"\]\) matches none of the 2 changed paths/,
  );
});

test('slipway plan --json prints RunPlans whose JobSpecs validate', async () => {
  const { parseJobSpec } = await import('../pipelines/spec/jobspec.js');
  const r = slipway('plan', 'pipelines/examples/demo', '--json');
  assert.equal(r.code, 0, r.stderr);
  const plans = JSON.parse(r.stdout) as { jobs: { spec: unknown }[] }[];
  assert.equal(plans[0]?.jobs.length, 3);
  for (const j of plans[0]?.jobs ?? []) assert.ok(parseJobSpec(j.spec).ok);
});

test('slipway plan exits 1 with positioned errors for plan-time problems', () => {
  const r = slipway(
    'plan',
    `${testdata}/invalid/image-invalid-after-interpolation`,
    '--branch',
    'feature/login',
  );
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /^\.slipway\.yml:5:11: invalid image reference "registry\.example\.com\/app:feature\/login"/m,
  );
});
