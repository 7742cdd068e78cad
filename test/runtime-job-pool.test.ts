import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_JOB_DISK_BYTES, MemoryLogSink, pooledRuntime } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { baseRootfs } from './helpers/base-images.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { tempDir } from './helpers/tmp.js';

/** A runner's job environments made ahead: handed out ready, one job each, nothing left after close. */
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
    assert.notEqual(second.id, first.id, 'one environment serves one job');
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
});
