import assert from 'node:assert/strict';
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tryTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { openRunnerHost } from '../runner/host.js';
import { build, busyboxDataDir, makeContext } from './build-helpers.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { requireBinary } from './helpers/requirements.js';

/** Every path below `dir` (lstat, no links followed) with its mode. */
async function walk(dir: string, out: { path: string; mode: number; kind: string }[] = []) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const kind = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : e.isSymbolicLink() ? 'link' : 'special';
    out.push({ path, mode: (await stat(path).catch(() => ({ mode: 0 }))).mode, kind });
    if (e.isDirectory()) await walk(path, out);
  }
  return out;
}

/** Runs `args` as the unprivileged host user nobody, through a login-free `runuser`. */
const asNobody = (args: string[]) => tryTool('runuser', ['-u', 'nobody', '--', ...args]);

describe('a step cannot leave a way to root on the host', () => {
  const f = useExecutorFixture();

  it('planted setuid binaries and device nodes are unreachable and scrubbed from the cache', async () => {
    requireBinary('runuser', 'util-linux');
    // A data dir someone made world-readable is closed again when a host opens it.
    await chmod(f.dataDir, 0o755);
    await openRunnerHost({ dataDir: f.dataDir });
    assert.equal(
      (await stat(f.dataDir)).mode & 0o777,
      0o700,
      'the data dir is 0700, as Docker keeps its root',
    );
    const spec = f
      .plan(`image: busybox:latest
jobs:
  plant:
    cache: { key: planted, paths: [.c] }
    steps:
      - run: |
          cp /bin/busybox .c/rootsh && chmod 4755 .c/rootsh
          cp /bin/busybox .c/groupsh && chmod 2755 .c/groupsh
          mknod .c/kmsg c 1 11 && chmod 666 .c/kmsg
          mkfifo .c/pipe
          mkdir -p .c/deep/er && cp /bin/busybox .c/deep/er/sh && chmod 6755 .c/deep/er/sh
          ls -l .c
`)
      .get('plant')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'success', out);
    assert.match(out, /rwsr-xr-x/, 'the step did plant a setuid binary');
    const cacheRoot = join(f.dataDir, 'cache');
    const saved = await walk(cacheRoot);
    assert.ok(
      saved.some((e) => e.path.endsWith('/rootsh')),
      'the cache was saved',
    );
    assert.deepEqual(
      saved.filter((e) => e.kind === 'special' || (e.mode & 0o6000) !== 0).map((e) => e.path),
      [],
      'no setuid/setgid file and no device node or FIFO is left in the saved cache',
    );
    // Defence in depth: even a planted file the scrub missed is out of reach for other users.
    const rootsh = saved.find((e) => e.path.endsWith('/rootsh'))!.path;
    const run = await asNobody([rootsh, 'id', '-u']);
    assert.notEqual(run.code, 0, `nobody ran ${rootsh}: ${run.stdout}`);
    assert.match(run.stderr, /Permission denied/);
    const list = await asNobody(['ls', f.dataDir]);
    assert.notEqual(list.code, 0, 'nobody cannot even list the data dir');
  });
});

describe('a Dockerfile cannot leave a way to root on the host', () => {
  it('a RUN cache mount keeps no setuid file or device node after the RUN', async () => {
    const dataDir = await busyboxDataDir();
    const id = `plant-${Date.now()}`;
    await build({
      dataDir,
      cacheScope: 'security-test',
      contextDir: await makeContext({
        Dockerfile: `FROM busybox:latest
RUN --mount=type=cache,id=${id},target=/c cp /bin/busybox /c/rootsh && chmod 4755 /c/rootsh && mknod /c/mem c 1 1 && ls -l /c
`,
      }),
    });
    const saved = await walk(dataDirPaths.buildCacheMount(dataDir, 'security-test', id));
    assert.ok(
      saved.some((e) => e.path.endsWith('/rootsh')),
      'the cache mount was kept',
    );
    assert.deepEqual(
      saved.filter((e) => e.kind === 'special' || (e.mode & 0o6000) !== 0).map((e) => e.path),
      [],
    );
  });
});
