import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mountsUnder } from '../runner/rootfs/index.js';
import type { ContainerSpec, Runtime } from '../runner/runtime/index.js';
import { gcRuntime, MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { baseRootfs } from './helpers/base-images.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { uniqueName } from './helpers/tmp.js';

for (const binary of ['runc', 'crun'] as const) {
  describe(`steps in a Debian image on ${binary}`, () => {
    let dir: string;
    let rt: Runtime;
    let debian: string;

    before(async () => {
      requireRoot();
      requireBinary(binary, binary);
      debian = await baseRootfs('debian');
      dir = await mkdtemp(join(tmpdir(), 'slipway-rt-debian-'));
      rt = createRuntime({ dataDir: join(dir, 'data'), binary });
    });
    after(async () => {
      await gcRuntime(join(dir, 'data'));
      assert.deepEqual(await mountsUnder(dir), []);
      await rm(dir, { recursive: true, force: true });
    });

    const run = async (script: string, extra: Partial<ContainerSpec> = {}) => {
      const job = await rt.prepareJob({ id: uniqueName('deb'), network: 'none' });
      try {
        const sink = new MemoryLogSink();
        const result = await rt.run(
          job,
          { name: 'step', lowerDirs: [debian], script, ...extra },
          { sink, timeoutMs: 60_000 },
        );
        return { result, out: sink.text('stdout'), err: sink.text('stderr'), sink };
      } finally {
        await rt.destroyJob(job);
      }
    };

    test('env, user by name from the image, workdir created for that user, exit code', async () => {
      const { result, out } = await run(
        'id -un; id -u; id -g; pwd; stat -c %U .; echo "$GREETING $HOME"; exit 7',
        {
          user: 'www-data',
          workdir: '/srv/app',
          env: { GREETING: 'hello' },
          imageConfig: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
        },
      );
      assert.equal(result.exitCode, 7);
      assert.equal(out, 'www-data\n33\n33\n/srv/app\nwww-data\nhello /var/www\n');
    });

    test('stdout and stderr each in order, with timestamps', async () => {
      const { result, sink } = await run('for i in $(seq 1 25); do echo o$i; echo e$i >&2; done');
      assert.equal(result.exitCode, 0);
      const lines = (p: string) => Array.from({ length: 25 }, (_, i) => `${p}${i + 1}\n`).join('');
      assert.equal(sink.text('stdout'), lines('o'));
      assert.equal(sink.text('stderr'), lines('e'));
      assert.ok(sink.lines.every((l) => l.time > 0));
    });

    test('the classic chroot escape (chroot into a subdir, walk up, chroot .) stays in the container', async () => {
      const marker = uniqueName('host-only');
      await writeFile(join(tmpdir(), marker), 'host');
      try {
        const { result, out } = await run(
          `perl -e 'mkdir "/jail"; chroot "/jail" or die "chroot: $!"; chdir ".." for 1..64; chroot "." or die "chroot2: $!";
            print -e "/etc/debian_version" ? "container-root\\n" : "elsewhere\\n"; print -e "/tmp/${marker}" ? "HOST\\n" : "no-host\\n"'`,
        );
        assert.equal(result.exitCode, 0);
        assert.equal(out, 'container-root\nno-host\n');
      } finally {
        await rm(join(tmpdir(), marker), { force: true });
      }
    });
  });
}
