import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { seedStore } from './helpers/seed-store.js';
import { spawnSlipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

async function repoWith(pipeline: string): Promise<string> {
  const repo = await tempDir('exec-repo');
  await writeFile(join(repo, '.slipway.yml'), pipeline);
  return repo;
}

describe('slipway exec ends a step on its timeout and a run on SIGINT', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    requireBinary('ip', 'iproute2');
    dataDir = await tempDir('exec-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it('a sleep 1000 step with timeout 2s is "timed out" within 5 s and the run exits 1', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  slow:
    steps:
      - name: wait
        timeout: 2s
        run: echo started; sleep 1000
      - name: after
        run: echo never
`);
    const p = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    const started = await p.waitFor(/^ {3}started$/m);
    const timedOut = await p.waitFor(/✖ wait: timed out/, 10_000);
    const { code, at } = await p.exited;
    const out = p.output();
    assert.ok(timedOut - started >= 1900, `ended after ${timedOut - started} ms, before its timeout`);
    assert.ok(timedOut - started < 5000, `ended ${timedOut - started} ms after it started`);
    assert.ok(at - started < 10_000, `slipway exec exited ${at - started} ms after the step started`);
    assert.equal(code, 1, out);
    assert.match(out, /── after: skipped/);
    assert.doesNotMatch(out, /never/);
    assert.match(out, /✖ job slow failed/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });

  it('SIGINT cancels the running step, says so, exits non-zero and leaves no container', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  long:
    steps:
      - name: wait
        run: echo started; sleep 1000
  later:
    needs: long
    steps:
      - run: echo never
`);
    const p = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    await p.waitFor(/^ {3}started$/m);
    const before = await dataDirLeftovers(dataDir);
    assert.ok(
      before.some((l) => l.startsWith('container')),
      `the step's container is running: ${before.join(', ')}`,
    );
    const sent = Date.now();
    p.child.kill('SIGINT');
    const { code, at } = await p.exited;
    const out = p.output();
    assert.ok(at - sent < 8000, `exited ${at - sent} ms after SIGINT`);
    assert.notEqual(code, 0, out);
    assert.match(out, /SIGINT: cancelling the run/);
    assert.match(out, /✖ wait: cancelled/);
    assert.match(out, /■ job long cancelled/);
    assert.match(out, /cancelled\s+later/);
    assert.match(out, /run cancelled after/);
    assert.doesNotMatch(out, /never/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });
});
