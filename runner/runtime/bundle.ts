import { posix } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import type { ResolvedUser } from '../rootfs/index.js';
import {
  DEFAULT_CAPS,
  DEFAULT_MOUNTS,
  DEFAULT_PATH,
  DEFAULT_PIDS_LIMIT,
  defaultRlimits,
  isReserved,
  MASKED_PATHS,
  type OciMount,
  READONLY_PATHS,
} from './hardening.js';
import type { OciSeccomp } from './seccomp.js';
import type { OciHook } from './start-gate.js';
import type { ContainerSpec } from './types.js';

/** Everything resolved on the host side that the pure config builder needs. */
export interface BundleInputs {
  spec: ContainerSpec;
  rootfs: string;
  user: ResolvedUser;
  cwd: string;
  hostname: string;
  hostsFile: string;
  resolvFile: string;
  cgroupsPath: string;
  /** Netns to join, or undefined for a fresh one (loopback only). */
  netnsPath?: string;
  seccomp: OciSeccomp;
  runcSetsMemory: boolean;
  /** Run in a user namespace mapping container ids 0..size-1 to host hostId.. (see userns.ts). */
  userns?: { hostId: number; size: number };
  /**
   * A sysfs the runner mounted (read-only) for the joined netns, bound at /sys instead of a
   * fresh one: in a user namespace, sysfs can be mounted only in a netns that namespace owns.
   */
  sysfsBind?: string;
  /** Hooks of the runtime's `createRuntime` stage (a start gate: see start-gate.ts). */
  createRuntimeHooks?: OciHook[];
}

/** The argv of a spec (see ContainerSpec). Throws a permanent error when there is nothing to run. */
export function containerArgs(spec: ContainerSpec): string[] {
  if (spec.script !== undefined) return ['/bin/sh', '-e', '-c', spec.script];
  const entry = spec.entrypoint ?? spec.imageConfig?.Entrypoint ?? [];
  const cmd = spec.args ?? (spec.entrypoint ? [] : (spec.imageConfig?.Cmd ?? []));
  const argv = [...entry, ...cmd];
  if (argv.length === 0)
    throw new SlipwayError(`container ${spec.name}: no command (no script, args or image Cmd)`, {
      context: { step: spec.name },
    });
  return argv;
}

/** Image Env, then the spec's env on top; PATH, HOME and HOSTNAME filled in when absent. */
export function containerEnv(spec: ContainerSpec, home: string, hostname: string): string[] {
  const env = new Map<string, string>();
  for (const kv of spec.imageConfig?.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    if (!/^[^=\0]+$/.test(k))
      throw new SlipwayError(`invalid environment variable name ${JSON.stringify(k)}`, {
        context: { step: spec.name },
      });
    env.set(k, v);
  }
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  if (!env.has('HOME')) env.set('HOME', home);
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', hostname);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Normalises a container path a user asked for and refuses /proc, /sys, /dev and relative paths. */
export function checkTarget(path: string, what: string): string {
  if (!path.startsWith('/'))
    throw new SlipwayError(`${what} must be an absolute path, got ${JSON.stringify(path)}`);
  const norm = posix.normalize(path);
  if (isReserved(norm)) throw new SlipwayError(`${what} may not be ${norm} (under /proc, /sys or /dev)`);
  return norm;
}

function userMounts(spec: ContainerSpec): OciMount[] {
  return (spec.mounts ?? []).map((m) => {
    const destination = checkTarget(m.target, 'a mount target');
    if (destination === '/') throw new SlipwayError('a mount may not replace the root file system');
    if (m.type === 'bind') {
      if (!m.source.startsWith('/')) throw new SlipwayError(`bind source must be absolute: ${m.source}`);
      return {
        destination,
        type: 'bind',
        source: m.source,
        options: ['rbind', 'rprivate', 'nosuid', 'nodev', m.readonly ? 'ro' : 'rw'],
      };
    }
    const size = m.sizeBytes ?? 64 * 1024 * 1024;
    return {
      destination,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', `size=${size}`],
    };
  });
}

/** Builds the OCI runtime config (config.json) of one container. Pure. */
export function buildBundleConfig(i: BundleInputs): Record<string, unknown> {
  const { spec, user } = i;
  const caps = [...DEFAULT_CAPS];
  const limits = spec.limits ?? {};
  const resources: Record<string, unknown> = {
    devices: [{ allow: false, access: 'rwm' }],
    pids: { limit: limits.pids ?? DEFAULT_PIDS_LIMIT },
  };
  if (limits.memoryBytes && i.runcSetsMemory)
    resources.memory = { limit: limits.memoryBytes, swap: limits.memoryBytes };
  if (limits.cpus)
    resources.cpu = { period: 100000, quota: Math.max(1000, Math.round(limits.cpus * 100000)) };
  const namespaces: Array<{ type: string; path?: string }> = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
    { type: 'cgroup' },
    i.netnsPath ? { type: 'network', path: i.netnsPath } : { type: 'network' },
  ];
  const idMap = i.userns && [{ containerID: 0, hostID: i.userns.hostId, size: i.userns.size }];
  if (idMap) namespaces.push({ type: 'user' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: containerArgs(spec),
      env: containerEnv(spec, user.home, i.hostname),
      cwd: i.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: defaultRlimits(),
      noNewPrivileges: true,
    },
    root: { path: i.rootfs, readonly: false },
    hostname: i.hostname,
    mounts: [
      ...(i.sysfsBind
        ? DEFAULT_MOUNTS.map((m) =>
            m.destination === '/sys'
              ? {
                  ...m,
                  type: 'bind',
                  source: i.sysfsBind as string,
                  options: ['rbind', ...(m.options ?? [])],
                }
              : m,
          )
        : DEFAULT_MOUNTS),
      {
        destination: '/etc/hosts',
        type: 'bind',
        source: i.hostsFile,
        options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'],
      },
      {
        destination: '/etc/resolv.conf',
        type: 'bind',
        source: i.resolvFile,
        options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'],
      },
      ...userMounts(spec),
    ],
    ...(i.createRuntimeHooks?.length ? { hooks: { createRuntime: i.createRuntimeHooks } } : {}),
    linux: {
      namespaces,
      ...(idMap ? { uidMappings: idMap, gidMappings: idMap } : {}),
      cgroupsPath: i.cgroupsPath,
      resources,
      seccomp: i.seccomp,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}

/** The generated /etc/hosts: localhost, the container's own name, then the extra hosts. */
export function hostsFile(
  hostname: string,
  ip: string | undefined,
  extra: ContainerSpec['extraHosts'] = [],
): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${ip ?? '127.0.1.1'}\t${hostname}`,
  ];
  for (const h of extra) {
    if (!/^[A-Za-z0-9_.-]+$/.test(h.name) || !/^[0-9a-fA-F:.]+$/.test(h.ip))
      throw new SlipwayError(`invalid extra host ${JSON.stringify(h)}`);
    lines.push(`${h.ip}\t${h.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The generated /etc/resolv.conf: the given servers, or the host's minus loopback ones. */
export function resolvConf(hostResolv: string, servers?: string[]): string {
  const fromHost = hostResolv
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => !!s && !s.startsWith('127.') && s !== '::1');
  const search = hostResolv.split('\n').find((l) => /^\s*search\s/.test(l));
  const list = servers?.length ? servers : fromHost;
  return `${[...list.map((s) => `nameserver ${s}`), ...(search ? [search.trim()] : [])].join('\n')}\n`;
}
