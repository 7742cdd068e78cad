import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gcRuntime } from '../runner/runtime/gc.js';
import { MemoryLogSink } from '../runner/runtime/log-sink.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { mountsUnder } from '../runner/runtime/overlay.js';
import { containerId, containersDir, idPrefix, stateDir } from '../runner/runtime/paths.js';
import type { ContainerSpec, JobHandle, Runtime } from '../runner/runtime/types.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { runtimeLeftovers } from './helpers/runtime-leftovers.js';
import { makeBusyboxLayers } from './helpers/runtime-rootfs.js';
import { tempDir, uniqueName } from './helpers/tmp.js';

/** The 14 default capabilities as a /proc/<pid>/status mask. */
const DEFAULT_CAP_MASK = '00000000a80425fb';
const MiB = 1024 * 1024;

/**
 * The Runtime contract, run against a real OCI runtime binary (runc or crun) as root, on a
 * busybox root fs. Every test cleans up its job; the suite checks nothing is left afterwards.
 */
export function runtimeContract(binary: 'runc' | 'crun'): void {
  describe(`Runtime contract on ${binary}`, () => {
    let dir: string;
    let dataDir: string;
    let layers: string[];
    let rt: Runtime;
    const jobs: JobHandle[] = [];

    before(async () => {
      requireRoot();
      requireBinary(binary, binary);
      dir = await mkdtemp(join(tmpdir(), `slipway-rt-${binary}-`));
      dataDir = join(dir, 'data');
      layers = await makeBusyboxLayers(join(dir, 'layers'));
      rt = createRuntime({ dataDir, binary });
    });

    after(async () => {
      for (const job of jobs) await rt.destroyJob(job);
      const leftovers = await runtimeLeftovers(dataDir, binary);
      await gcRuntime(dataDir);
      if (leftovers.mounts.length === 0) await rm(dir, { recursive: true, force: true });
      assert.deepEqual(
        leftovers,
        { containers: [], mounts: [], cgroups: [] },
        'nothing left after the suite',
      );
    });

    const job = async (): Promise<JobHandle> => {
      const j = await rt.prepareJob({ id: uniqueName('job'), network: 'none' });
      jobs.push(j);
      return j;
    };
    const spec = (name: string, script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name,
      lowerDirs: layers,
      script,
      ...extra,
    });
    const runScript = async (script: string, extra: Partial<ContainerSpec> = {}, j?: JobHandle) => {
      const sink = new MemoryLogSink();
      const result = await rt.run(j ?? (await job()), spec('step', script, extra), {
        sink,
        timeoutMs: 60_000,
      });
      return { result, out: sink.text('stdout'), err: sink.text('stderr'), sink };
    };

    test('env (image + step), user by name with groups, workdir created, HOME', async () => {
      const { result, out } = await runScript(
        'id -u; id -g; id -G; pwd; ls -ld . | cut -c1-10; echo "$HOME|$FROM_IMAGE|$SHARED|$STEP"',
        {
          imageConfig: { Env: ['FROM_IMAGE=img', 'SHARED=image', 'PATH=/bin'] },
          env: { SHARED: 'step', STEP: 'a b' },
          user: 'builder',
          workdir: '/work/space',
        },
      );
      assert.equal(result.exitCode, 0);
      assert.equal(out, '1000\n1000\n1000 29\n/work/space\ndrwxr-xr-x\n/home/builder|img|step|a b\n');
    });

    test('numeric uid:gid and the image User; an unknown user is a clear error', async () => {
      assert.equal((await runScript('id -u; id -g', { user: '4242:4343' })).out, '4242\n4343\n');
      assert.equal((await runScript('id -un', { imageConfig: { User: 'nobody' } })).out, 'nobody\n');
      await assert.rejects(runScript('true', { user: 'ghost' }), /user "ghost" not found/);
    });

    test('image Entrypoint and Cmd, overridden by args', async () => {
      const imageConfig = { Entrypoint: ['/bin/echo', 'entry'], Cmd: ['default'] };
      const sink = new MemoryLogSink();
      await rt.run(await job(), { name: 'e1', lowerDirs: layers, imageConfig }, { sink });
      await rt.run(await job(), { name: 'e2', lowerDirs: layers, imageConfig, args: ['given'] }, { sink });
      assert.equal(sink.text(), 'entry default\nentry given\n');
    });

    test('a non-zero exit is data; stdout and stderr each in order with timestamps', async () => {
      const start = Date.now();
      const { result, sink } = await runScript(
        'for i in $(seq 1 40); do echo out$i; echo err$i >&2; done; exit 3',
      );
      assert.equal(result.exitCode, 3);
      assert.equal(result.signal, undefined);
      assert.ok(result.durationMs > 0 && result.durationMs < 30_000);
      const seq = (p: string) => Array.from({ length: 40 }, (_, i) => `${p}${i + 1}\n`).join('');
      assert.equal(sink.text('stdout'), seq('out'));
      assert.equal(sink.text('stderr'), seq('err'));
      for (const stream of ['stdout', 'stderr'] as const) {
        const times = sink.lines.filter((l) => l.stream === stream).map((l) => l.time);
        assert.ok(
          times.every((t, i) => t >= start && t <= Date.now() && (i === 0 || t >= (times[i - 1] as number))),
        );
      }
    });

    test('a missing or non-executable command exits 127/126 with the reason; stdin is closed', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const missing = await rt.run(j, { name: 'm', lowerDirs: layers, args: ['/no/such/tool'] }, { sink });
      assert.equal(missing.exitCode, 127);
      assert.match(missing.message ?? '', /^cannot start: .*\/no\/such\/tool/);
      const notExec = await rt.run(j, { name: 'n', lowerDirs: layers, args: ['/etc/passwd'] }, { sink });
      assert.equal(notExec.exitCode, 126);
      const stdin = await runScript('cat; echo eof', {}, j);
      assert.equal(stdin.out, 'eof\n');
    });

    test('CPU and pids limits reach the container cgroup', async () => {
      const { out } = await runScript(
        'cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max',
        { limits: { cpus: 0.5, pids: 77 } },
      );
      assert.match(out, /^50000( 100000)?\n77\n$/);
    });

    test('root fs writes vanish, the workspace persists across steps, layers stay untouched', async () => {
      const j = await job();
      const workspace = await tempDir('slipway-ws');
      const mounts = [{ type: 'bind' as const, source: workspace, target: '/workspace' }];
      const first = await runScript(
        'echo hi > /etc/written; echo data > /workspace/file; rm /bin/ls',
        { mounts },
        j,
      );
      assert.equal(first.result.exitCode, 0);
      const second = await runScript(
        'cat /workspace/file; test ! -e /etc/written && echo gone; test -e /bin/ls && echo ls',
        { mounts },
        j,
      );
      assert.equal(second.out, 'data\ngone\nls\n');
      assert.equal(await readFile(join(workspace, 'file'), 'utf8'), 'data\n');
      assert.ok(existsSync(join(layers[0] as string, 'bin/ls')));
      assert.ok(!existsSync(join(layers[1] as string, 'etc/written')));
    });

    test('a cache volume persists across jobs; tmpfs mounts are fresh', async () => {
      const cache = await tempDir('slipway-cache');
      const mounts = [
        { type: 'bind' as const, source: cache, target: '/cache' },
        { type: 'tmpfs' as const, target: '/scratch', sizeBytes: 8 * MiB },
      ];
      const j1 = await job();
      await runScript('echo kept > /cache/v; echo t > /scratch/t', { mounts }, j1);
      await rt.destroyJob(j1);
      const { out } = await runScript(
        'cat /cache/v; ls /scratch | wc -l; df -k /scratch | tail -1 | awk "{print \\$2}"',
        { mounts },
        await job(),
      );
      assert.equal(out, 'kept\n0\n8192\n');
    });

    test('mounts over /proc, /sys, /dev and a workdir under /proc are refused, nothing left behind', async () => {
      const j = await job();
      for (const target of ['/proc', '/sys/kernel', '/dev', '/dev/shm']) {
        await assert.rejects(
          runScript('true', { mounts: [{ type: 'tmpfs', target }] }, j),
          /under \/proc, \/sys or \/dev/,
        );
      }
      await assert.rejects(runScript('true', { workdir: '/proc/self' }, j), /working directory may not be/);
      const own = join(containersDir(dataDir), containerId(dataDir, j.id, 'step'));
      assert.deepEqual(await mountsUnder(own), []);
      assert.ok(!existsSync(own), 'a failed setup leaves no container dir');
    });

    test('hostname and generated /etc/hosts, /etc/resolv.conf', async () => {
      const { out } = await runScript(
        'hostname; grep -c localhost /etc/hosts; grep svc /etc/hosts; grep -c 127.0.0 /etc/resolv.conf || true',
        {
          hostname: 'builder-host',
          extraHosts: [{ name: 'svc', ip: '10.1.2.3' }],
        },
      );
      assert.equal(out, 'builder-host\n2\n10.1.2.3\tsvc\n0\n');
    });

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
      const before = new Set(await readdir(layers[0] as string));
      await runScript('touch /probe /etc/probe /tmp/probe');
      assert.deepEqual(new Set(await readdir(layers[0] as string)), before);
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

    test('`sleep 1000` with a 2s timeout ends within 5s as timed out', async () => {
      const sink = new MemoryLogSink();
      const started = Date.now();
      const result = await rt.run(await job(), spec('sleeper', 'sleep 1000'), { sink, timeoutMs: 2000 });
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.equal(result.timedOut, true);
      assert.equal(result.cancelled, false);
      assert.equal(result.message, 'timed out');
      assert.notEqual(result.exitCode, 0);
    });

    test('cancelling through an AbortSignal ends the step within 5s as cancelled', async () => {
      const ac = new AbortController();
      const sink = new MemoryLogSink();
      const started = Date.now();
      setTimeout(() => ac.abort(), 1000);
      const result = await rt.run(
        await job(),
        spec('cancelled', 'trap "echo term; exit 143" TERM; while true; do sleep 1; done'),
        {
          sink,
          signal: ac.signal,
        },
      );
      assert.ok(Date.now() - started < 5000);
      assert.equal(result.cancelled, true);
      assert.equal(result.message, 'cancelled');
      assert.equal(sink.text('stdout'), 'term\n', 'TERM came first and the trap ran');
      assert.equal(result.exitCode, 143);
    });

    test('services: start, stop with TERM→KILL; destroyJob stops the rest and is idempotent', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const svc = await rt.startService(j, spec('svc', 'echo up; exec sleep 1000'), { sink });
      const other = await rt.startService(j, spec('other', 'exec sleep 1000'), { sink });
      await new Promise((r) => setTimeout(r, 500));
      const stopped = await rt.stopService(svc, 500);
      assert.equal(stopped.signal, 'SIGKILL');
      assert.equal(sink.text('stdout'), 'up\n');
      await rt.destroyJob(j);
      await rt.destroyJob(j);
      const otherResult = await other.done;
      assert.notEqual(otherResult.exitCode, 0);
      const ids = execFileSync(binary, ['--root', stateDir(dataDir, binary), 'list', '--quiet'], {
        encoding: 'utf8',
      });
      assert.ok(!ids.includes(`${idPrefix(dataDir)}${j.id}`));
      await assert.rejects(rt.run(j, spec('late', 'true'), { sink }), /was destroyed/);
    });

    test('one name at a time per job; destroyJob during a start waits for it and stops it', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const starting = rt.startService(j, spec('dup', 'exec sleep 1000'), { sink });
      await assert.rejects(rt.startService(j, spec('dup', 'true'), { sink }), /already running/);
      await rt.destroyJob(j);
      const result = await (await starting).done;
      assert.notEqual(result.exitCode, 0);
      assert.deepEqual(
        (await runtimeLeftovers(dataDir, binary)).containers.filter((c) => c.includes(j.id)),
        [],
      );
    });

    test('container ids are deterministic and carry the data dir prefix', () => {
      assert.match(idPrefix(dataDir), /^slipway-[0-9a-f]{6}-$/);
      assert.equal(basename(dataDir), 'data');
    });
  });
}
