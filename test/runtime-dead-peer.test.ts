import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_JOB_DISK_BYTES,
  gcDeadOwnersJobs,
  gcRuntime,
  MemoryLogSink,
} from '../runner/runtime/index.js';
import { jobNetnsPrefix, jobTag } from '../runner/runtime/network/names.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { baseRootfs } from './helpers/base-images.js';
import { onCleanup } from './helpers/cleanup.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { tempDir } from './helpers/tmp.js';

// Two processes share one data dir (two runners, or a runner and `slipway exec`). One is killed
// with kill -9 mid-job: the other collects what that job left (container, mounts, disk, network)
// without touching its own running job, and without waiting for a restart of the dead one.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a process of a shared data dir killed with kill -9', () => {
  it("is cleaned up after by a live peer: its job's state goes, the peer's running job stays", async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    const dataDir = await tempDir('dead-peer');
    onCleanup(() => gcRuntime(dataDir));
    const rootfs = await baseRootfs('busybox');
    const ready = join(dataDir, 'peer-ready');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'runtime-dead-peer-child.ts'),
        dataDir,
        'peer-dead',
        ready,
        rootfs,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    onCleanup(() => child.kill('SIGKILL'));
    const rt = createRuntime({ dataDir });
    const own = await rt.prepareJob({
      id: 'peer-alive',
      network: 'bridge',
      diskBytes: DEFAULT_JOB_DISK_BYTES,
    });
    await rt.startService(
      own,
      { name: 'db', lowerDirs: [rootfs], script: 'sleep 1000' },
      { sink: new MemoryLogSink() },
    );
    for (const deadline = Date.now() + 60_000; !existsSync(ready); await sleep(50))
      assert.ok(Date.now() < deadline, 'the peer never started its job');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const ofDead = (l: string) =>
      l.includes('peer-dead') ||
      l.includes(jobNetnsPrefix(dataDir, 'peer-dead')) ||
      l.includes(jobTag('peer-dead'));
    const before = await dataDirLeftovers(dataDir);
    assert.ok(
      before.some((l) => l.startsWith('container') && ofDead(l)),
      `the kill left its container: ${before}`,
    );
    assert.ok(
      before.some((l) => l.startsWith('netns') && ofDead(l)),
      'and its netns',
    );

    assert.deepEqual(await gcDeadOwnersJobs(dataDir), ['peer-dead'], "the dead peer's job, and only it");
    const after = await dataDirLeftovers(dataDir);
    assert.deepEqual(after.filter(ofDead), [], 'nothing of the dead job is left');
    assert.ok(
      after.some((l) => l.includes('peer-alive+db')),
      "the live job's service still runs",
    );
    const probe = new MemoryLogSink();
    const r = await rt.run(
      own,
      { name: 'probe', lowerDirs: [rootfs], script: 'ping -c1 -W2 db >/dev/null && echo up' },
      { sink: probe },
    );
    assert.equal(r.exitCode, 0, probe.text());
    assert.deepEqual(await gcDeadOwnersJobs(dataDir), [], 'a second collection finds nothing');

    await rt.destroyJob(own);
    assert.deepEqual(await dataDirLeftovers(dataDir), [], 'with both jobs gone, nothing at all');
  });
});
