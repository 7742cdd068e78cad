import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tryTool } from '../lib/proc.js';
import { containerMade } from './helpers/container-made.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { mirroredGitRepo } from './helpers/git-repo.js';
import { requireBinary } from './helpers/requirements.js';

const userns = { hostId: 200000, size: 65536 };

/** Every file below `dir` (no links followed) with its host owner and mode. */
async function walk(dir: string, out: { path: string; uid: number; mode: number }[] = []) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const st = await lstat(path);
    out.push({ path, uid: st.uid, mode: st.mode });
    if (e.isDirectory()) await walk(path, out);
  }
  return out;
}

for (const binary of ['runc', 'crun'] as const) {
  describe(`--userns on ${binary}: a step's root is an unprivileged host user`, () => {
    const f = useExecutorFixture({ binary, userns });

    it('maps root to the range, refuses device nodes, and still writes the workspace, cache, services', async () => {
      requireBinary('nsenter', 'util-linux');
      const spec = f
        .plan(`image: busybox:latest
jobs:
  mapped:
    cache: { key: mapped, paths: [.c] }
    services:
      - name: db
        image: busybox:latest
        command: mkdir -p /w && echo pong > /w/index.html && exec httpd -f -p 7000 -h /w
        ready: { port: 7000, timeout: 30s }
    steps:
      - run: |
          echo "uid $(id -u)"
          echo "map $(cat /proc/self/uid_map | tr -s ' ')"
          echo made > made.txt && cat made.txt
          echo kept > .c/kept
          cp /bin/busybox .c/rootsh && chmod 4755 .c/rootsh
          mknod .c/mem c 1 1 2>/dev/null && echo "mknod allowed" || echo "mknod refused"
          echo written > /etc/written && cat /etc/written
          echo "svc $(wget -qO- http://db:7000/)"
          ls /sys/class/net | tr '\\n' ' '
      - run: cat made.txt .c/kept
`)
        .get('mapped')!;
      const { result, out } = await f.run(spec);
      assert.equal(result.status, 'success', out);
      assert.match(out, /uid 0\b/, 'id -u is 0 inside');
      assert.match(out, new RegExp(`map\\s+0 ${userns.hostId} ${userns.size}`), 'root is host uid 200000');
      assert.match(out, /mknod refused/, 'a step cannot make a device node');
      assert.match(out, /written/, 'the root fs is writable (idmapped image layers)');
      assert.match(out, /svc pong/, 'services are reached by name on the job network');
      assert.match(out, /\beth0\b/, "/sys shows the job network's interfaces");
      assert.match(out, /made\s+kept/, 'a later step reads the workspace and cache');
      const saved = await walk(join(f.dataDir, 'cache'));
      const kept = saved.find((e) => e.path.endsWith('/kept'));
      assert.equal(kept?.uid, userns.hostId, 'the cache file is owned on the host by the mapped root');
      const rootsh = saved.find((e) => e.path.endsWith('/rootsh'));
      assert.ok(rootsh, 'the planted binary was saved');
      assert.notEqual(rootsh.uid, 0, 'a setuid file a step makes is never owned by host root');
      assert.deepEqual(
        saved.filter((e) => (e.mode & 0o170000) !== 0o040000 && e.uid < userns.hostId).map((e) => e.path),
        [],
        'every file a step wrote is owned on the host by an id of the range',
      );
    });

    it('a first step made while its source is still being fetched finds it owned by its root', async () => {
      const { repo, mirror } = await mirroredGitRepo({ 'source.txt': 'from the source\n' });
      const spec = f
        .plan(`image: busybox:latest
jobs:
  early:
    steps:
      - run: echo "owner $(stat -c %u source.txt)" && echo more >> source.txt && cat source.txt
`)
        .get('early')!;
      // The fetch ends only once the step's container is made: the checkout comes after it.
      const fetched = containerMade(f.dataDir);
      const source = {
        kind: 'mirror' as const,
        mirror,
        commit: repo.sha,
        origin: 'https://example.test/app.git',
        fetched,
      };
      const { result, out } = await f.run(spec, source);
      assert.equal(result.status, 'success', out);
      assert.match(out, /owner 0\b/, 'the checked-out file belongs to the step root');
      assert.match(out, /from the source\s+more/);
    });

    it('keeps the data dir closed to other local users', async () => {
      requireBinary('runuser', 'util-linux');
      const list = await tryTool('runuser', ['-u', 'nobody', '--', 'ls', f.dataDir]);
      assert.notEqual(list.code, 0, 'nobody cannot list the data dir (0710, group of the mapped root)');
    });
  });
}
