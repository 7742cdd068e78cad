import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { dataDirPaths } from '../runner/data-dir.js';
import { mountsUnder } from '../runner/rootfs/index.js';
import { containerId, idPrefix } from '../runner/runtime/ids.js';
import { MemoryLogSink } from '../runner/runtime/index.js';
import { useRuntimeFixture } from './helpers/runtime-fixture.js';
import { runtimeLeftovers } from './helpers/runtime-leftovers.js';
import { tempDir } from './helpers/tmp.js';

const MiB = 1024 * 1024;

/**
 * The Runtime contract (steps, volumes, limits' plumbing, timeouts, services), run against a real
 * OCI runtime binary as root on a busybox root fs. Isolation lives in runtime-contract-isolation.ts.
 */
export function runtimeContract(binary: 'runc' | 'crun'): void {
  describe(`Runtime contract on ${binary}`, () => {
    const f = useRuntimeFixture(binary);
    const { job, spec, runScript } = f;

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
      await f.rt.run(await job(), { name: 'e1', lowerDirs: f.layers, imageConfig }, { sink });
      await f.rt.run(
        await job(),
        { name: 'e2', lowerDirs: f.layers, imageConfig, args: ['given'] },
        { sink },
      );
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
      const missing = await f.rt.run(
        j,
        { name: 'm', lowerDirs: f.layers, args: ['/no/such/tool'] },
        { sink },
      );
      assert.equal(missing.exitCode, 127);
      assert.match(missing.message ?? '', /^cannot start: .*\/no\/such\/tool/);
      const notExec = await f.rt.run(j, { name: 'n', lowerDirs: f.layers, args: ['/etc/passwd'] }, { sink });
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
      assert.ok(existsSync(join(f.layers[0] as string, 'bin/ls')));
      assert.ok(!existsSync(join(f.layers[1] as string, 'etc/written')));
    });

    test('a cache volume persists across jobs; tmpfs mounts are fresh', async () => {
      const cache = await tempDir('slipway-cache');
      const mounts = [
        { type: 'bind' as const, source: cache, target: '/cache' },
        { type: 'tmpfs' as const, target: '/scratch', sizeBytes: 8 * MiB },
      ];
      const j1 = await job();
      await runScript('echo kept > /cache/v; echo t > /scratch/t', { mounts }, j1);
      await f.rt.destroyJob(j1);
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
      const own = join(dataDirPaths.containers(f.dataDir), containerId(f.dataDir, j.id, 'step'));
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

    test('`sleep 1000` with a 2s timeout ends within 5s as timed out', async () => {
      const sink = new MemoryLogSink();
      const started = Date.now();
      const result = await f.rt.run(await job(), spec('sleeper', 'sleep 1000'), { sink, timeoutMs: 2000 });
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
      const result = await f.rt.run(
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

    test('a cancel that comes while the container is being started still ends it', async () => {
      const ac = new AbortController();
      const started = Date.now();
      const running = f.rt.run(await job(), spec('cancel-at-start', 'exec sleep 600'), {
        sink: new MemoryLogSink(),
        signal: ac.signal,
      });
      ac.abort(); // the run has begun starting the container: no abort event reaches it later
      const result = await running;
      assert.ok(Date.now() - started < 15_000, `ended ${Date.now() - started} ms after the cancel`);
      assert.equal(result.cancelled, true);
    });

    test('services: start, stop with TERM→KILL; destroyJob stops the rest and is idempotent', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const svc = await f.rt.startService(j, spec('svc', 'echo up; exec sleep 1000'), { sink });
      const other = await f.rt.startService(j, spec('other', 'exec sleep 1000'), { sink });
      await new Promise((r) => setTimeout(r, 500));
      const stopped = await f.rt.stopService(svc, 500);
      assert.equal(stopped.signal, 'SIGKILL');
      assert.equal(sink.text('stdout'), 'up\n');
      await f.rt.destroyJob(j);
      await f.rt.destroyJob(j);
      const otherResult = await other.done;
      assert.notEqual(otherResult.exitCode, 0);
      const ids = execFileSync(
        f.binary,
        ['--root', dataDirPaths.runtimeState(f.dataDir, f.binary), 'list', '--quiet'],
        {
          encoding: 'utf8',
        },
      );
      assert.ok(!ids.includes(`${idPrefix(f.dataDir)}${j.id}`));
      await assert.rejects(f.rt.run(j, spec('late', 'true'), { sink }), /was destroyed/);
    });

    test('kill sends a signal to every process of a running container; unknown names are a no-op', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const svc = await f.rt.startService(
        j,
        spec('sig', 'trap "echo got-usr1; exit 5" USR1; while true; do sleep 1; done'),
        { sink },
      );
      await new Promise((r) => setTimeout(r, 500));
      await f.rt.kill(j, 'sig', 'SIGUSR1');
      await f.rt.kill(j, 'nobody-here');
      const result = await svc.done;
      assert.equal(result.exitCode, 5);
      assert.equal(sink.text('stdout'), 'got-usr1\n');
    });

    test('exec runs inside a running service: its processes, files, env and user; exit codes are data', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const svc = await f.rt.startService(
        j,
        spec('inside', 'echo made-inside > /tmp/marker; exec sleep 60', {
          env: { SERVICE_ONLY: 'yes' },
          user: '65534:65534',
        }),
        { sink },
      );
      const exec = (script: string, timeoutMs = 10_000) => f.rt.exec(j, 'inside', script, { timeoutMs });
      for (let i = 0; (await exec('test -f /tmp/marker')).exitCode !== 0; i++) {
        assert.ok(i < 100, 'the service wrote its marker');
        await new Promise((r) => setTimeout(r, 50));
      }
      const seen = await exec('cat /tmp/marker; echo "$SERVICE_ONLY"; id -u; tr "\\0" " " < /proc/1/cmdline');
      assert.deepEqual(
        [seen.exitCode, seen.output],
        [0, 'made-inside\nyes\n65534\nsleep 60 '],
        "the service's root fs, env, user and PID 1",
      );
      assert.equal((await exec('echo oops >&2; exit 3')).exitCode, 3);
      const started = Date.now();
      const slow = await exec('sleep 30', 500);
      assert.equal(slow.timedOut, true);
      assert.ok(
        Date.now() - started < 5000,
        `a timed-out exec returns promptly (${Date.now() - started} ms)`,
      );
      await assert.rejects(f.rt.exec(j, 'not-there', 'true', { timeoutMs: 1000 }), /not running/);
      await f.rt.stopService(svc, 500);
      await assert.rejects(exec('true'), /not running/);
    });

    test('one name at a time per job; destroyJob during a start waits for it and stops it', async () => {
      const j = await job();
      const sink = new MemoryLogSink();
      const starting = f.rt.startService(j, spec('dup', 'exec sleep 1000'), { sink });
      await assert.rejects(f.rt.startService(j, spec('dup', 'true'), { sink }), /already running/);
      await f.rt.destroyJob(j);
      const result = await (await starting).done;
      assert.notEqual(result.exitCode, 0);
      assert.deepEqual(
        (await runtimeLeftovers(f.dataDir, f.binary)).containers.filter((c) => c.includes(j.id)),
        [],
      );
    });

    test('container ids are deterministic and carry the data dir prefix', () => {
      assert.match(idPrefix(f.dataDir), /^slipway-[0-9a-f]{6}-$/);
      assert.equal(basename(f.dataDir), 'data');
    });
  });
}
