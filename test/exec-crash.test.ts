import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
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
    await killWhenStarted(repo, dataDir);
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

  it('kill -9 mid-build, then a new run removes the job disk with its workspace, the build scratch and cache-mount locks', async () => {
    const repo = await tempDir('crash-build-repo');
    await writeFile(join(repo, '.slipway.yml'), 'jobs:\n  image:\n    build: { context: . }\n');
    await writeFile(
      join(repo, 'Dockerfile'),
      // `st""arted`: the RUN line the log echoes must not match before the RUN runs
      'FROM busybox:latest\nRUN --mount=type=cache,id=deps,target=/c echo st""arted; sleep 1000\n',
    );
    await killWhenStarted(repo, dataDir);
    const ls = (dir: string) => readdir(dir).catch(() => [] as string[]);
    // The workspace lives on the job's disk (runtime/disks/<job>, an image file and its mount).
    assert.ok(
      (await ls(dataDirPaths.jobDisks(dataDir))).some((f) => f.endsWith('.img')),
      'a job disk (holding the workspace) was left',
    );
    assert.equal((await ls(dataDirPaths.buildScratchRoot(dataDir))).length, 1, 'build scratch was left');
    const locks = async () => {
      const root = dataDirPaths.buildCacheMounts(dataDir);
      const found: string[] = [];
      for (const scope of await ls(root))
        for (const f of await ls(join(root, scope))) if (f.endsWith('.lock')) found.push(f);
      return found;
    };
    assert.equal((await locks()).length, 1, 'a cache-mount lock file was left');

    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  quick:\n    steps:\n      - run: echo fine\n',
    );
    const stdout = await runTool(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
    });
    assert.match(stdout, /removed 1 job disk\(s\) left by a crashed earlier run/);
    assert.match(
      stdout,
      /removed 0 workspace\(s\) and 1 build scratch dir\(s\) left by a crashed earlier run/,
    );
    assert.match(stdout, /fine/);
    assert.deepEqual(await ls(dataDirPaths.workspaces(dataDir)), []);
    assert.deepEqual(await ls(dataDirPaths.jobDisks(dataDir)), []);
    assert.deepEqual(await ls(dataDirPaths.buildScratchRoot(dataDir)), []);
    assert.deepEqual(await locks(), []);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });
});

/** Starts `slipway exec repo` and kills it with SIGKILL once its output says `started`. */
async function killWhenStarted(repo: string, dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('never started')), 60_000);
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('started')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}
