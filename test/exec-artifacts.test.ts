import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';

/** Real disk use of `dir` in KiB (0 when it does not exist). */
async function diskKiB(dir: string): Promise<number> {
  const out = await runTool('du', ['-sk', dir]).catch(() => '0');
  return Number(out.split('\t')[0]);
}

describe('artifacts: a step cannot fill the host disk or plant setuid files through them', () => {
  const f = useExecutorFixture();

  it('a 1.5 GiB sparse file over the default 1 GiB limit fails the job clearly and leaves no copy', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  sparse:
    artifacts: [out/**]
    steps:
      - run: mkdir out && echo hi > out/a.txt && dd if=/dev/zero of=out/big.bin bs=1 count=0 seek=1536M
`)
      .get('sparse')!;
    const { result } = await f.run(spec);
    assert.equal(result.status, 'failure');
    assert.match(
      result.error?.message ?? '',
      /^artifacts exceed the job's limit of 1 GiB at out\/big\.bin \(1\.5 GiB so far, counted by apparent size\)$/,
    );
    assert.deepEqual(result.artifacts, []);
    const artifactsRoot = join(f.dataDir, 'artifacts');
    assert.ok((await diskKiB(artifactsRoot)) < 1024, 'no big copy under the artifacts dir');
  });

  it('a configured limit holds: 2 files of 600 KiB with a 1 MiB limit fail', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  two:
    artifacts: ['*.bin']
    steps:
      - run: head -c 614400 /dev/urandom > a.bin && head -c 614400 /dev/urandom > b.bin
`)
      .get('two')!;
    const saved = f.deps.artifactsLimitBytes;
    f.deps.artifactsLimitBytes = 1024 ** 2;
    try {
      const { result } = await f.run(spec);
      assert.equal(result.status, 'failure');
      assert.match(result.error?.message ?? '', /limit of 1 MiB at b\.bin/);
    } finally {
      f.deps.artifactsLimitBytes = saved;
    }
  });

  it('setuid/setgid bits are dropped, device nodes and FIFOs are not saved', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  plant:
    artifacts: [bin/**]
    steps:
      - run: |
          mkdir bin
          cp /bin/busybox bin/suid && chmod 4755 bin/suid
          cp /bin/busybox bin/sgid && chmod 2755 bin/sgid
          mknod bin/null c 1 3 && chmod 666 bin/null
          mkfifo bin/fifo
          ls -l bin
`)
      .get('plant')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'success', out);
    assert.deepEqual(result.artifacts, ['bin/sgid', 'bin/suid']);
    const dir = result.artifactsDir!;
    assert.equal(dir, dataDirPaths.artifacts(f.dataDir, dir.split('/').at(-1)!));
    assert.deepEqual((await readdir(join(dir, 'bin'))).sort(), ['sgid', 'suid']);
    for (const name of ['sgid', 'suid'])
      assert.equal(
        (await stat(join(dir, 'bin', name))).mode & 0o7777,
        0o755,
        `${name} lost its special bits`,
      );
  });
});
