import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { seedStore } from './helpers/seed-store.js';
import { tempDir } from './helpers/tmp.js';

const slipwayBin = new URL('../bin/slipway.mjs', import.meta.url).pathname;

describe('a crashed slipway exec leaves nothing behind after the next start', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    requireBinary('ip', 'iproute2');
    dataDir = await tempDir('crash-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it('kill -9 mid-step, then a new run garbage-collects container, mounts, netns, bridge and leases', async () => {
    const repo = await tempDir('crash-repo');
    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  long:\n    steps:\n      - name: wait\n        run: echo started; sleep 1000\n',
    );
    const child = spawn(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('step never started')), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        if (b.toString().includes('started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = await dataDirLeftovers(dataDir);
    assert.ok(
      before.some((l) => l.startsWith('container')),
      `expected a running container: ${before.join(', ')}`,
    );
    assert.ok(
      before.some((l) => l.startsWith('netns')),
      `expected a netns: ${before.join(', ')}`,
    );
    assert.ok(
      before.some((l) => l.startsWith('mount')),
      `expected an overlay mount: ${before.join(', ')}`,
    );

    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  quick:\n    steps:\n      - run: echo fine\n',
    );
    const stdout = await runTool(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
    });
    assert.match(stdout, /removed 1 container\(s\) left by a crashed earlier run/);
    assert.match(stdout, /fine/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });
});
