import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { ResourceLimits } from './types.js';

/**
 * Docker's default confinement, shared by every container Slipway starts (no privileged mode).
 */

/** The 14 capabilities Docker grants by default. */
export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
] as const;

/** Hidden from the container: /dev/null over files, an empty read-only tmpfs over dirs. */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Paths a user mount or workdir may never target (or sit under). */
export const RESERVED_TARGETS = ['/proc', '/sys', '/dev'];

export function isReserved(path: string): boolean {
  return RESERVED_TARGETS.some((r) => path === r || path.startsWith(`${r}/`));
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** The kernel file systems every container gets (as runc's and Docker's defaults). */
export const DEFAULT_MOUNTS: OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  {
    destination: '/dev',
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
  },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  {
    destination: '/dev/shm',
    type: 'tmpfs',
    source: 'shm',
    options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
  },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  {
    destination: '/sys/fs/cgroup',
    type: 'cgroup',
    source: 'cgroup',
    options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
  },
];

let nofile: number | undefined;
/**
 * RLIMIT_NOFILE for containers: 1048576 (Docker's usual), capped at the runner's own hard limit
 * (raising it needs CAP_SYS_RESOURCE, which a runner inside a container may lack).
 */
export function defaultRlimits(): Array<{ type: string; hard: number; soft: number }> {
  if (nofile === undefined) {
    let own = 1048576;
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files'));
      const hard = line?.trim().split(/\s+/)[4];
      if (hard && /^\d+$/.test(hard)) own = Number(hard);
    } catch {}
    nofile = Math.min(own, 1048576);
  }
  return [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }];
}

export const DEFAULT_PIDS_LIMIT = 1024;

const MiB = 1024 * 1024;

/** The memory default's ceiling: a container gets 2 GiB unless its pipeline or runner says otherwise. */
export const DEFAULT_MEMORY_BYTES = 2048 * MiB;

/**
 * A container's memory limit when neither its pipeline nor the runner sets one: 2 GiB, but at
 * most half of the host's memory (whole MiB), so one step alone can never drive the host into
 * its OOM killer; the container's own cgroup kills it instead.
 */
export function defaultMemoryBytes(hostBytes: number = totalmem()): number {
  return Math.min(DEFAULT_MEMORY_BYTES, Math.max(64 * MiB, Math.floor(hostBytes / 2 / MiB) * MiB));
}

/**
 * The limits a container runs with: its own (`spec`, from the pipeline) field by field over the
 * runner's (`runner`, `--memory`/`--cpus`/`--pids`), over the built-in memory default.
 * (The pids default, DEFAULT_PIDS_LIMIT, is applied in the bundle.)
 */
export function effectiveLimits(
  spec: ResourceLimits | undefined,
  runner: ResourceLimits | undefined,
  memoryDefault: number = defaultMemoryBytes(),
): ResourceLimits {
  const out: ResourceLimits = { memoryBytes: memoryDefault };
  for (const l of [runner, spec])
    for (const [k, v] of Object.entries(l ?? {}) as Array<[keyof ResourceLimits, number | undefined]>)
      if (v !== undefined) out[k] = v;
  return out;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
