import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { dataDirPaths } from '../runner/data-dir.js';
import { mountsUnder } from '../runner/rootfs/index.js';
import { idPrefix } from '../runner/runtime/ids.js';
import { gcRuntime } from '../runner/runtime/index.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { runtimeLeftovers } from './helpers/runtime-leftovers.js';
import { makeBusyboxLayers } from './helpers/runtime-rootfs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes whose command line mentions `text` (the orphaned runc monitor, the container). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

for (const binary of ['runc', 'crun'] as const) {
  describe(`crash safety on ${binary}`, () => {
    let child: ChildProcess | undefined;
    after(() => {
      child?.kill('SIGKILL');
    });

    test('kill -9 of the runner mid-step, then gcRuntime: no container, mount, cgroup or process left', async () => {
      requireRoot();
      requireBinary(binary, binary);
      const dir = await mkdtemp(join(tmpdir(), `slipway-gc-${binary}-`));
      after(() => rm(dir, { recursive: true, force: true }));
      const dataDir = join(dir, 'data');
      const workspace = join(dir, 'ws');
      await mkdir(workspace);
      const layers = await makeBusyboxLayers(join(dir, 'layers'));
      child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'runtime-gc-child.ts'),
          dataDir,
          binary,
          workspace,
          ...layers,
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const deadline = Date.now() + 30_000;
      while (!existsSync(join(workspace, 'started'))) {
        assert.ok(Date.now() < deadline, 'the step never started');
        await sleep(50);
      }
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));

      const list = () =>
        execFileSync(binary, ['--root', dataDirPaths.runtimeState(dataDir, binary), 'list', '--quiet'], {
          encoding: 'utf8',
        }).trim();
      assert.match(list(), new RegExp(`^${idPrefix(dataDir)}`), 'the crash left a container behind');
      assert.equal((await mountsUnder(dataDir)).length, 1, 'and its overlay mount');

      await gcRuntime(dataDir);

      assert.deepEqual(await runtimeLeftovers(dataDir, binary), { containers: [], mounts: [], cgroups: [] });
      assert.deepEqual(await readdir(dataDirPaths.containers(dataDir)), []);
      const procsDeadline = Date.now() + 5000;
      while ((await processesMentioning(dataDir)).length > 0) {
        assert.ok(Date.now() < procsDeadline, `processes left: ${await processesMentioning(dataDir)}`);
        await sleep(100);
      }
      assert.ok(!execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).includes(dataDir));
      // GC of a clean data dir is a no-op.
      assert.deepEqual(await gcRuntime(dataDir), { containers: 0, rootfs: 0, disks: 0 });
    });
  });
}
