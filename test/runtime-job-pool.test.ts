import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DEFAULT_JOB_DISK_BYTES, MemoryLogSink, pooledRuntime } from '../runner/runtime/index.js';
import { RESET_MAX_ALLOCATED_BYTES } from '../runner/runtime/job-disk.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { baseRootfs } from './helpers/base-images.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { tempDir } from './helpers/tmp.js';

/** A runner's job environments made ahead: handed out ready, one job at a time, recycled clean, nothing left after close. */
describe('pooledRuntime', () => {
  let rootfs: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    rootfs = await baseRootfs('busybox');
  });

  it('hands out a ready network and disk at once, never twice, and leaves nothing after close', async () => {
    const dataDir = await tempDir('job-pool');
    const rt = createRuntime({ dataDir });
    const pool = pooledRuntime(rt, { size: 1, network: 'bridge', diskBytes: DEFAULT_JOB_DISK_BYTES });
    const ask = { id: 'job-a', network: 'bridge' as const, diskBytes: DEFAULT_JOB_DISK_BYTES };
    const cold = Date.now();
    const direct = await rt.prepareJob({ ...ask, id: 'cold' });
    const coldMs = Date.now() - cold;
    await rt.destroyJob(direct);
    await new Promise((r) => setTimeout(r, coldMs * 3 + 500)); // the pool fills meanwhile
    const warm = Date.now();
    const first = await pool.prepareJob(ask);
    const warmMs = Date.now() - warm;
    assert.ok(warmMs * 5 < coldMs, `a ready environment took ${warmMs} ms, a cold one ${coldMs} ms`);
    assert.ok(first.workDir && first.network, 'the environment has its disk and network');
    const second = await pool.prepareJob(ask);
    assert.notEqual(second.id, first.id, 'one environment serves one job at a time');
    const sink = new MemoryLogSink();
    const r = await pool.run(
      first,
      {
        name: 's',
        lowerDirs: [rootfs],
        script: 'echo on the pooled network; ip -4 addr show eth0 | grep -c inet',
      },
      { sink },
    );
    assert.equal(r.exitCode, 0, sink.text());
    assert.match(sink.text(), /on the pooled network\n1/);
    const other = await pool.prepareJob({ id: 'no-net', network: 'none' });
    assert.equal(other.id, 'no-net', 'another kind of job is prepared as asked');
    for (const h of [first, second, other]) await pool.destroyJob(h);
    await new Promise((r) => setTimeout(r, coldMs * 3 + 500)); // refilled after the destroys
    await pool.close();
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });

  it('recycles an environment for the next job: the network kept, the disk emptied (made anew once it grew), nothing of the job left', async () => {
    const dataDir = await tempDir('job-pool-recycle');
    const rt = createRuntime({ dataDir });
    const pool = pooledRuntime(rt, {
      size: 1,
      network: 'bridge',
      diskBytes: DEFAULT_JOB_DISK_BYTES,
      maxUses: 3,
    });
    const ask = { id: 'job-a', network: 'bridge' as const, diskBytes: DEFAULT_JOB_DISK_BYTES };
    await new Promise((r) => setTimeout(r, 1_500)); // the pool fills
    const first = await pool.prepareJob(ask);
    const sink = new MemoryLogSink();
    const db = await pool.startService(
      first,
      { name: 'db', lowerDirs: [rootfs], script: 'sleep 300' },
      { sink },
    );
    const wrote = await pool.run(
      first,
      {
        name: 's',
        lowerDirs: [rootfs],
        mounts: [{ type: 'bind', source: first.workDir as string, target: '/ws' }],
        script:
          'echo secret > /ws/left.txt; echo x > /root-left; ping -c1 -W1 db >/dev/null && echo db answers; ip -4 -o addr show eth0',
      },
      { sink },
    );
    assert.equal(wrote.exitCode, 0, sink.text());
    assert.match(sink.text(), /db answers/);
    const ipOf = (text: string) => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(text)?.[1];
    const usedIps = [db.ip, ipOf(sink.text())];
    const t = Date.now();
    await pool.destroyJob(first);
    const recycleMs = Date.now() - t;
    const again = await pool.prepareJob(ask);
    assert.equal(again.id, first.id, 'the same environment, recycled');
    assert.equal(again.network?.subnet, first.network?.subnet, 'its network kept');
    const next = new MemoryLogSink();
    const r = await pool.run(
      again,
      {
        name: 's',
        lowerDirs: [rootfs],
        mounts: [{ type: 'bind', source: again.workDir as string, target: '/ws' }],
        script:
          'echo "ws:$(ls -A /ws)"; ls /root-left 2>&1 || true; ping -c1 -W1 db 2>&1 | head -1; ip -4 -o addr show eth0; echo "inet:$(ip -4 addr show eth0 | grep -c inet)"',
      },
      { sink: next },
    );
    assert.equal(r.exitCode, 0, next.text());
    assert.match(next.text(), /^ws:\n/, 'the workspace is empty');
    assert.match(next.text(), /root-left: No such file/, "the last job's root fs writes are gone");
    assert.match(next.text(), /bad address 'db'/, "the last job's service is gone, its name too");
    assert.match(next.text(), /inet:1\n$/, 'the container is on the network');
    assert.ok(
      !usedIps.includes(ipOf(next.text())),
      'no address of the last job right after it (quarantined)',
    );
    await new Promise((r) => setTimeout(r, 1_200));
    const later = new MemoryLogSink();
    await pool.run(
      again,
      { name: 't', lowerDirs: [rootfs], script: 'ip -4 -o addr show eth0' },
      { sink: later },
    );
    assert.ok(
      usedIps.includes(ipOf(later.text())),
      `a place of the last job is reused after its quarantine: ${later.text()}`,
    );
    // A job that filled its disk past RESET_MAX_ALLOCATED_BYTES: the disk is made anew, the host gets the space back.
    const big = await pool.run(
      again,
      {
        name: 'big',
        lowerDirs: [rootfs],
        mounts: [{ type: 'bind', source: again.workDir as string, target: '/ws' }],
        script: 'head -c 300000000 /dev/urandom > /ws/big && sync',
      },
      { sink: new MemoryLogSink() },
    );
    assert.equal(big.exitCode, 0);
    const image = join(dataDir, 'runtime', 'disks', `${again.id}.img`);
    const allocated = async () => (await stat(image)).blocks * 512;
    assert.ok((await allocated()) > RESET_MAX_ALLOCATED_BYTES);
    await pool.destroyJob(again);
    const third = await pool.prepareJob(ask);
    assert.equal(third.id, first.id, 'recycled a third time');
    assert.ok((await allocated()) < 64 * 2 ** 20, `a new disk: ${await allocated()} bytes allocated`);
    await pool.destroyJob(third); // its third job: destroyed, a new one prepared
    const fourth = await pool.prepareJob(ask);
    assert.notEqual(fourth.id, first.id, 'after maxUses jobs an environment is replaced');
    await pool.destroyJob(fourth);
    await pool.close();
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
    assert.ok(recycleMs < 2_000, `recycling took ${recycleMs} ms`);
  });
});
