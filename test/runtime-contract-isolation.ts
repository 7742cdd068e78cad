import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gcRuntime, MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { hostServes32BitSyscalls, i386SyscallLayer } from './helpers/i386-syscall.js';
import { useRuntimeFixture } from './helpers/runtime-fixture.js';
import { uniqueName } from './helpers/tmp.js';

/** The 14 default capabilities as a /proc/<pid>/status mask. */
const DEFAULT_CAP_MASK = '00000000a80425fb';
const MiB = 1024 * 1024;

/**
 * Isolation and resource limits of the Runtime (each test fails on a naive implementation), run
 * against a real OCI runtime binary as root on a busybox root fs.
 */
export function runtimeIsolationContract(binary: 'runc' | 'crun'): void {
  describe(`Runtime isolation on ${binary}`, () => {
    const f = useRuntimeFixture(binary);
    const { runScript } = f;

    test("isolation: ps shows only the step's processes", async () => {
      const { out } = await runScript(
        'sleep 30 & until grep -qx sleep /proc/[0-9]*/comm; do :; done; ps -o comm > /tmp/ps; kill $!; cat /tmp/ps',
      );
      assert.deepEqual(out.trim().split('\n').slice(1).sort(), ['ps', 'sh', 'sleep']);
    });

    test('isolation: mount, unshare -r, chroot escape and writing /proc/sysrq-trigger fail', async () => {
      const marker = uniqueName('host-marker');
      await writeFile(join(tmpdir(), marker), 'host');
      try {
        const mount = await runScript('mount -t tmpfs none /tmp');
        assert.notEqual(mount.result.exitCode, 0);
        const unshare = await runScript('unshare -r id');
        assert.notEqual(unshare.result.exitCode, 0);
        assert.match(unshare.err, /Operation not permitted/);
        const escaped = await runScript(
          `mkdir -p /jail/bin && cp /bin/busybox /jail/bin/ && chroot /jail /bin/busybox sh -c 'cd /../../../..; /bin/busybox ls -a /tmp; /bin/busybox ls -a /proc/1/root/../../tmp' ; ls -a /../../tmp /proc/1/root/tmp /proc/self/cwd/../../tmp`,
        );
        assert.ok(!`${escaped.out}${escaped.err}`.includes(marker), "the host's /tmp must stay invisible");
        const sysrq = await runScript('echo h > /proc/sysrq-trigger');
        assert.notEqual(sysrq.result.exitCode, 0);
      } finally {
        await rm(join(tmpdir(), marker), { force: true });
      }
    });

    test('isolation: /proc/kcore and the other masked paths read empty', async () => {
      const files = [
        '/proc/kcore',
        '/proc/keys',
        '/proc/timer_list',
        '/proc/sched_debug',
        '/proc/latency_stats',
        '/proc/timer_stats',
      ].filter((p) => existsSync(p));
      const dirs = ['/proc/acpi', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'].filter(
        (p) => existsSync(p),
      );
      assert.ok(files.length > 0);
      const { out } = await runScript(
        [
          ...files.map((f) => `echo "${f} $(cat ${f} | wc -c)"`),
          ...dirs.map((d) => `echo "${d} $(ls -A ${d} | wc -l)"`),
        ].join('; '),
      );
      assert.equal(out, [...files, ...dirs].map((p) => `${p} 0\n`).join(''));
      assert.ok(
        readFileSync('/proc/timer_list', 'utf8').length > 0,
        'the host has content there, so the mask did the hiding',
      );
    });

    test('isolation: no host path outside the mounts is writable', async () => {
      const hostHostname = hostname();
      const { out } = await runScript(
        `for p in /proc/sys/kernel /proc/sys/vm /sys/kernel /sys/class /sys/fs/cgroup/memory /sys/fs/cgroup/pids /proc/bus /proc/fs /proc/irq; do
           if touch $p/probe 2>/dev/null; then echo "writable $p"; fi
         done
         echo evil > /proc/sys/kernel/hostname 2>/dev/null && echo "hostname written"
         echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo "drop_caches written"
         echo done`,
      );
      assert.equal(out, 'done\n');
      assert.equal(hostname(), hostHostname);
      const before = new Set(await readdir(f.layers[0] as string));
      await runScript('touch /probe /etc/probe /tmp/probe');
      assert.deepEqual(new Set(await readdir(f.layers[0] as string)), before);
    });

    test('a 32-bit (int 0x80) system call kills the step with SIGSYS and says why; compatSyscalls admits it', async (t) => {
      const layer = await i386SyscallLayer(join(f.dataDir, '..', uniqueName('i386-layer')));
      const spec = { name: 'i386', lowerDirs: [...f.layers, layer], args: ['/i386-write'] };
      const refusedSink = new MemoryLogSink();
      const refused = await f.rt.run(await f.job(), spec, { sink: refusedSink, timeoutMs: 60_000 });
      assert.equal(refusedSink.text('stdout'), '', 'the 32-bit write never happens in a step');
      if (!(await hostServes32BitSyscalls(layer))) {
        // The kernel has no 32-bit ABI: the call faults before seccomp sees it, on the host too.
        t.diagnostic('this kernel serves no 32-bit system calls (int 0x80 faults on the host too)');
        assert.equal(refused.signal, 'SIGSEGV', JSON.stringify(refused));
        return;
      }
      assert.equal(refused.signal, 'SIGSYS');
      assert.equal(refused.exitCode, 159);
      assert.match(refused.message ?? '', /seccomp profile forbids a system call.*--compat-syscalls/);
      const compatDir = `${f.dataDir}-compat`;
      const compat = createRuntime({ dataDir: compatDir, binary, compatSyscalls: true });
      const job = await compat.prepareJob({ id: uniqueName('job'), network: 'none' });
      try {
        const sink = new MemoryLogSink();
        const admitted = await compat.run(job, spec, { sink, timeoutMs: 60_000 });
        assert.equal(admitted.exitCode, 0, JSON.stringify(admitted));
        assert.equal(sink.text('stdout'), 'i386 ok\n');
      } finally {
        await compat.destroyJob(job);
        await gcRuntime(compatDir);
      }
    });

    test('capabilities: CapEff is exactly the 14 default caps', async () => {
      const { out } = await runScript('grep -E "^Cap(Eff|Prm|Bnd|Amb)" /proc/self/status');
      assert.equal(
        out,
        `CapPrm:\t${DEFAULT_CAP_MASK}\nCapEff:\t${DEFAULT_CAP_MASK}\nCapBnd:\t${DEFAULT_CAP_MASK}\nCapAmb:\t0000000000000000\n`,
      );
    });

    test('a fork bomb is stopped by the pids limit and the step fails cleanly', async () => {
      const started = Date.now();
      const bounded = await runScript(
        'i=0; while [ $i -lt 500 ]; do sleep 60 & i=$((i+1)); done; echo all-started',
        { limits: { pids: 64 } },
      );
      assert.notEqual(bounded.result.exitCode, 0);
      assert.match(bounded.err, /can't fork/);
      assert.ok(!bounded.out.includes('all-started'));
      const bomb = await runScript('bomb() { bomb | bomb & }; bomb; sleep 2; echo survived', {
        limits: { pids: 64 },
      });
      assert.equal(bomb.result.timedOut, false);
      assert.ok(Date.now() - started < 30_000);
      const after = await runScript('echo fine');
      assert.equal(after.out, 'fine\n');
    });

    test('a memory hog over its limit is reported as "out of memory (limit 256 MiB)"', async () => {
      const { result } = await runScript('dd if=/dev/zero of=/dev/null bs=400M count=1', {
        limits: { memoryBytes: 256 * MiB },
      });
      assert.equal(result.oomKilled, true);
      assert.equal(result.message, 'out of memory (limit 256 MiB)');
      assert.notEqual(result.exitCode, 0);
      const fits = await runScript('dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo ok', {
        limits: { memoryBytes: 256 * MiB },
      });
      assert.equal(fits.result.oomKilled, false);
      assert.equal(fits.out, 'ok\n');
    });
  });
}
