import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildBundleConfig,
  checkTarget,
  containerArgs,
  containerEnv,
  hostsFile,
  resolvConf,
} from './bundle.js';
import { DEFAULT_CAPS } from './hardening.js';
import type { ContainerSpec } from './types.js';

const base: ContainerSpec = { name: 'build', lowerDirs: ['/l'] };

test('argv: script through sh -e, else Docker Entrypoint/Cmd rules, else a clear error', () => {
  assert.deepEqual(containerArgs({ ...base, script: 'make' }), ['/bin/sh', '-e', '-c', 'make']);
  const imageConfig = { Entrypoint: ['/ep'], Cmd: ['a'] };
  assert.deepEqual(containerArgs({ ...base, imageConfig }), ['/ep', 'a']);
  assert.deepEqual(containerArgs({ ...base, imageConfig, args: ['b'] }), ['/ep', 'b']);
  assert.deepEqual(containerArgs({ ...base, imageConfig, entrypoint: ['/x'] }), ['/x']);
  assert.throws(() => containerArgs(base), /no command/);
});

test('env: image first, step on top, PATH/HOME/HOSTNAME filled in only when absent', () => {
  const env = containerEnv(
    { ...base, imageConfig: { Env: ['A=1', 'B=2', 'X=a=b'] }, env: { B: 'step' } },
    '/home/u',
    'h',
  );
  assert.deepEqual(env.slice(0, 3), ['A=1', 'B=step', 'X=a=b']);
  assert.ok(
    env.includes('HOME=/home/u') &&
      env.includes('HOSTNAME=h') &&
      env.some((e) => e.startsWith('PATH=/usr/local/sbin')),
  );
  assert.throws(
    () => containerEnv({ ...base, env: { 'A=B': '1' } }, '/', 'h'),
    /invalid environment variable name/,
  );
});

test('targets: absolute, normalised, never /proc, /sys or /dev', () => {
  assert.equal(checkTarget('/work//x/../y', 'mount'), '/work/y');
  for (const bad of ['/proc', '/proc/1', '/sys/', '/dev/shm', '/x/../dev'])
    assert.throws(() => checkTarget(bad, 'mount'), /under \/proc/);
  assert.throws(() => checkTarget('work', 'mount'), /absolute/);
});

test('hosts and resolv.conf: localhost, own name, extras validated; no loopback resolvers', () => {
  assert.equal(
    hostsFile('h', undefined, [{ name: 'db', ip: '10.0.0.2' }]),
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\th\n10.0.0.2\tdb\n',
  );
  assert.throws(() => hostsFile('h', undefined, [{ name: 'a b', ip: '1.2.3.4' }]), /invalid extra host/);
  assert.equal(
    resolvConf('nameserver 127.0.0.53\nnameserver 9.9.9.9\nsearch corp\n'),
    'nameserver 9.9.9.9\nsearch corp\n',
  );
});

test('config: caps, masks, read-only paths, no new privileges, limits and user mounts hardened', () => {
  const config = buildBundleConfig({
    spec: {
      ...base,
      script: 'true',
      limits: { cpus: 1.5, memoryBytes: 1 << 28, pids: 50 },
      mounts: [
        { type: 'bind', source: '/ws', target: '/workspace' },
        { type: 'tmpfs', target: '/scratch', sizeBytes: 1024 },
      ],
    },
    rootfs: '/r',
    user: { uid: 1000, gid: 1000, additionalGids: [29], home: '/h' },
    cwd: '/workspace',
    hostname: 'build',
    hostsFile: '/c/hosts',
    resolvFile: '/c/resolv.conf',
    cgroupsPath: '/slipway/x/ctr',
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO', architectures: [], syscalls: [] },
    runcSetsMemory: true,
  }) as {
    process: { capabilities: Record<string, string[]>; noNewPrivileges: boolean; user: unknown };
    mounts: Array<{ destination: string; options?: string[] }>;
    linux: {
      resources: Record<string, unknown>;
      maskedPaths: string[];
      readonlyPaths: string[];
      namespaces: Array<{ type: string }>;
    };
  };
  assert.deepEqual(config.process.capabilities.effective, [...DEFAULT_CAPS]);
  assert.deepEqual(config.process.capabilities.bounding, [...DEFAULT_CAPS]);
  assert.equal(config.process.capabilities.inheritable, undefined);
  assert.equal(config.process.noNewPrivileges, true);
  assert.deepEqual(config.process.user, { uid: 1000, gid: 1000, additionalGids: [29] });
  assert.ok(config.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(config.linux.readonlyPaths.includes('/proc/sysrq-trigger'));
  assert.deepEqual(config.linux.resources.cpu, { period: 100000, quota: 150000 });
  assert.deepEqual(config.linux.resources.pids, { limit: 50 });
  assert.deepEqual(config.linux.resources.memory, { limit: 1 << 28, swap: 1 << 28 });
  assert.deepEqual(config.linux.namespaces.map((n) => n.type).sort(), [
    'cgroup',
    'ipc',
    'mount',
    'network',
    'pid',
    'uts',
  ]);
  const byDest = new Map(config.mounts.map((m) => [m.destination, m.options ?? []]));
  assert.deepEqual(byDest.get('/proc'), ['nosuid', 'noexec', 'nodev']);
  assert.ok(byDest.get('/sys')?.includes('ro'));
  assert.ok(byDest.get('/workspace')?.includes('nosuid') && byDest.get('/workspace')?.includes('nodev'));
  assert.ok(byDest.get('/scratch')?.includes('size=1024'));
  assert.ok(byDest.has('/etc/hosts') && byDest.has('/etc/resolv.conf'));
});
