import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { seedStore } from './helpers/seed-store.js';
import { slipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

const root = new URL('..', import.meta.url).pathname;

describe('slipway exec runs a pipeline locally on runc', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    dataDir = await tempDir('exec-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it('runs services, a matrix, a cache and an allowed failure, and exits 0', async () => {
    const example = join(root, 'pipelines/examples/local');
    const first = await slipway(['exec', example, '--data-dir', dataDir, '--branch', 'main']);
    assert.equal(first.code, 0, first.out);
    const out = first.out;
    assert.match(out, /▶ job build/);
    assert.match(out, /cache miss/);
    assert.match(out, /slipway-example built/);
    assert.match(out, /service echo answered/);
    assert.match(out, /testing with ash/);
    assert.match(out, /testing with sh/);
    // the cache filled by `build` is visible to the later `test` jobs
    assert.match(out, /── cache from build[^\n]*\n\s+busybox-utils 1.0/);
    assert.match(out, /lint found 1 problem/);
    assert.match(out, /✖ strict lint: exit code 3/);
    assert.match(out, /✖ job lint failed \(allowed\)/);
    assert.match(out, /run 0 of local done/);
    assert.match(out, /pipeline local: passed/);
    const artifacts =
      /succeeded\s+build\s+artifacts: (\S+)/.exec(out)?.[1] ??
      /success\s+build\s+artifacts: (\S+)/.exec(out)?.[1];
    assert.ok(artifacts, out);
    assert.equal(await readFile(join(artifacts, 'out/app.txt'), 'utf8'), 'slipway-example built\n');

    // a second run finds the cache saved by the first
    const second = await slipway(['exec', example, '--data-dir', dataDir, '--job', 'build']);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /cache hit: busybox-utils 1.0/);
  });

  it('exits 1 and names the failing step when a job fails', async () => {
    const repo = await tempDir('exec-fail');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  broken:\n    steps:\n      - name: boom\n        run: echo about to fail; exit 7\n      - name: after\n        run: echo never\n',
    );
    const res = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /about to fail/);
    assert.match(res.out, /✖ boom: exit code 7/);
    assert.match(res.out, /── after: skipped/);
    assert.doesNotMatch(res.out, /never/);
    assert.match(res.out, /pipeline [^:]+: failed/);
  });
});
