import assert from 'node:assert/strict';
import { readdirSync, statfsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { dataDirPaths } from '../runner/data-dir.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { seedStore } from './helpers/seed-store.js';
import { slipway, spawnSlipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

const MiB = 2 ** 20;
/** Writes `mib` MiB of zeros to `file`; on failure says how much it got down, and fails. */
const fill = (file: string, mib: number) =>
  `dd if=/dev/zero of=${file} bs=1M count=${mib} 2>/dev/null || { echo "stopped at $(($(wc -c < ${file}) / 1048576)) MiB"; exit 1; }; echo "wrote ${file}"`;

async function repoWith(pipeline: string): Promise<string> {
  const repo = await tempDir('exec-disk');
  await writeFile(join(repo, '.slipway.yml'), pipeline);
  return repo;
}

/** The job disk images of a data dir while a job runs, with the host disk they really use. */
function diskImages(dataDir: string): Array<{ name: string; allocated: number }> {
  const dir = dataDirPaths.jobDisks(dataDir);
  return readdirSync(dir)
    .filter((n) => n.endsWith('.img'))
    .map((name) => ({ name, allocated: statSync(join(dir, name)).blocks * 512 }));
}

const hostFree = (dir: string) => {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
};

for (const runtime of ['runc', 'crun'] as const) {
  describe(`slipway exec: a job's disk limit (${runtime})`, () => {
    let dataDir: string;
    before(async () => {
      requireRoot();
      requireBinary(runtime, runtime);
      requireBinary('mkfs.ext4', 'e2fsprogs');
      requireBinary('losetup', 'mount');
      dataDir = await tempDir(`exec-disk-data-${runtime}`);
      await seedStore(dataDir, 'busybox', ['busybox:latest']);
    });

    it('a step writing past resources.disk fails with the limit; the host spends at most the limit', async () => {
      const repo = await repoWith(`image: busybox:latest
jobs:
  fill:
    resources: { disk: 64M }
    steps:
      - name: fill workspace
        run: ${fill('big', 2048)}
      - name: hold
        when: { status: always }
        run: echo holding; until [ -e release ]; do sleep 0.1; done; echo released
`);
      const freeBefore = hostFree(dataDir);
      const run = spawnSlipway(['exec', repo, '--data-dir', dataDir, '--runtime', runtime]);
      await run.waitFor(/holding/);
      // The job still runs: its disk image is the only host disk its 2 GiB write could reach.
      const images = diskImages(dataDir);
      assert.equal(images.length, 1, JSON.stringify(images));
      assert.ok((images[0]?.allocated ?? 0) <= 72 * MiB, `image uses ${images[0]?.allocated} bytes`);
      assert.ok(freeBefore - hostFree(dataDir) < 512 * MiB, 'the host lost more than 512 MiB');
      const id = images[0]?.name.replace(/\.img$/, '') ?? '';
      await writeFile(join(dataDirPaths.jobDisk(dataDir, id), 'workspace', 'release'), '');
      const { code } = await run.exited;
      const out = run.output();
      assert.equal(code, 1, out);
      assert.match(out, /stopped at (\d+) MiB/);
      assert.ok(Number(/stopped at (\d+) MiB/.exec(out)?.[1]) < 64, out);
      assert.match(out, /✖ fill workspace: disk limit \(64 MiB\) reached/);
      assert.match(out, /released/);
      assert.deepEqual(await dataDirLeftovers(dataDir), []);
    });

    it("counts each container's writable layer, frees it after the step, and applies --disk", async () => {
      const repo = await repoWith(`image: busybox:latest
jobs:
  layers:
    steps:
      - name: rootfs once
        run: ${fill('/tmp/a', 60)}
      - name: rootfs again
        run: ${fill('/tmp/a', 60)}
      - name: workspace
        run: ${fill('w', 30)}
      - name: rootfs over
        run: ${fill('/tmp/a', 70)}
  default:
    steps:
      - name: size
        run: df -k /workspace | awk 'NR == 2 { print "disk size " int($2 / 1024) " MiB" }'
`);
      const res = await slipway([
        ...['exec', repo, '--data-dir', dataDir, '--runtime', runtime, '--disk', '96M'],
      ]);
      assert.equal(res.code, 1, res.out);
      assert.equal([...res.out.matchAll(/wrote \/tmp\/a/g)].length, 2, res.out);
      assert.match(res.out, /wrote w/);
      assert.match(res.out, /✖ rootfs over: disk limit \(96 MiB\) reached/);
      // ext4's own metadata takes a little of the size
      const size = Number(/disk size (\d+) MiB/.exec(res.out)?.[1]);
      assert.ok(size > 85 && size <= 96, res.out);
      assert.deepEqual(await dataDirLeftovers(dataDir), []);
    });
  });
}

describe("slipway exec: a job disk's setup and teardown", () => {
  it('a source bigger than the disk fails the job with the limit, before any step', async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    const dataDir = await tempDir('exec-disk-source');
    const repo = await repoWith(`image: busybox:latest
jobs:
  big:
    resources: { disk: 16M }
    steps:
      - run: echo "step ran"
`);
    await writeFile(join(repo, 'blob'), Buffer.alloc(24 * MiB, 1));
    const res = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /the source does not fit in the job's disk: disk limit \(16 MiB\) reached/);
    assert.doesNotMatch(res.out, /step ran/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });

  it("a killed run's disk is unmounted and removed by the next start (GC)", async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    const dataDir = await tempDir('exec-disk-crash');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
    const repo = await repoWith(`image: busybox:latest
jobs:
  long:
    steps:
      - run: echo started; sleep 1000
`);
    const run = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    await run.waitFor(/started/);
    run.child.kill('SIGKILL');
    await run.exited;
    const left = await dataDirLeftovers(dataDir);
    assert.ok(
      left.some((l) => l.startsWith('mount') && l.includes('/runtime/disks/')),
      left.join('\n'),
    );
    assert.ok(
      left.some((l) => l.startsWith('loop')),
      left.join('\n'),
    );
    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  quick:\n    steps:\n      - run: echo fine\n',
    );
    const res = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /fine/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });
});
