import { statfsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../../lib/proc.js';

/**
 * Per-container cgroups. A container gets a parent cgroup `/slipway/<id>` owned by Slipway
 * and runc's own leaf `/slipway/<id>/ctr`. runc removes its leaf when the container ends, so the
 * OOM evidence is read from the parent, which outlives it:
 *  - cgroup v2: the parent's memory.events `oom_kill` counts its descendants' OOM kills;
 *  - cgroup v1: events do not propagate, so the memory limit is set on the parent itself and
 *    an OOM is "peak usage reached the limit and the process died of SIGKILL".
 * On cgroup v1 a container without a memory limit has no verdict to keep: runc's cgroup is
 * `/slipway/<id>` itself (one level in each of the dozen hierarchies, not two).
 * They are removed by removeContainerCgroup, and by gcCgroups after a crash.
 */
const ROOT = '/sys/fs/cgroup';
const CGROUP2_MAGIC = 0x63677270;

export type CgroupVersion = 1 | 2;

let cachedVersion: CgroupVersion | undefined;
export function cgroupVersion(): CgroupVersion {
  cachedVersion ??= statfsSync(ROOT).type === CGROUP2_MAGIC ? 2 : 1;
  return cachedVersion;
}

/** Every hierarchy under /sys/fs/cgroup on a v1/hybrid host, `unified` included (runc joins it too). */
async function v1Hierarchies(): Promise<string[]> {
  const entries = await readdir(ROOT, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => join(ROOT, e.name));
}

async function enableV2Controllers(dir: string): Promise<void> {
  const available = (await readFile(join(dir, 'cgroup.controllers'), 'utf8')).split(/\s+/);
  const wanted = ['cpu', 'memory', 'pids'].filter((c) => available.includes(c));
  if (wanted.length)
    await writeFile(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
}

/**
 * Creates the parent cgroup when there is one (on v1 it carries the memory limit). Returns the
 * cgroupsPath to give runc and whether runc should set the memory limit.
 */
export async function createContainerCgroup(
  id: string,
  memoryBytes?: number,
): Promise<{ runcSetsMemory: boolean; cgroupsPath: string }> {
  const nested = `/slipway/${id}/ctr`;
  if (cgroupVersion() === 2) {
    await mkdir(join(ROOT, 'slipway'), { recursive: true });
    await enableV2Controllers(ROOT).catch(() => {});
    await enableV2Controllers(join(ROOT, 'slipway'));
    await mkdir(join(ROOT, 'slipway', id), { recursive: true });
    await enableV2Controllers(join(ROOT, 'slipway', id));
    return { runcSetsMemory: true, cgroupsPath: nested };
  }
  // Without a memory limit there is no OOM verdict to keep, so runc's cgroup is the container's
  // only one (one level, not two, in each hierarchy: memcg creation and removal are the slow
  // part of a container's start and end).
  if (!memoryBytes) return { runcSetsMemory: false, cgroupsPath: `/slipway/${id}` };
  const dir = join(ROOT, 'memory', 'slipway', id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'memory.limit_in_bytes'), String(memoryBytes));
  await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(memoryBytes)).catch(() => {});
  return { runcSetsMemory: false, cgroupsPath: nested };
}

/** Whether the container was OOM-killed; call after it exited, before removeContainerCgroup. */
export async function wasOomKilled(id: string, diedOfSigkill: boolean): Promise<boolean> {
  if (cgroupVersion() === 2) {
    const events = await readFile(join(ROOT, 'slipway', id, 'memory.events'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0) > 0;
  }
  // v1 counts the OOM kill on runc's (already removed) leaf only; what survives on the parent
  // is its peak usage. Peak at the limit plus death by SIGKILL is the OOM killer's signature.
  const dir = join(ROOT, 'memory', 'slipway', id);
  const read = async (f: string) =>
    Number((await readFile(join(dir, f), 'utf8').catch(() => '0')).trim()) || 0;
  const limit = await read('memory.limit_in_bytes');
  const peak = Math.max(
    await read('memory.max_usage_in_bytes'),
    await read('memory.memsw.max_usage_in_bytes'),
  );
  return diedOfSigkill && limit > 0 && peak >= limit - 4096;
}

async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

async function slipwayRoots(): Promise<string[]> {
  return cgroupVersion() === 2
    ? [join(ROOT, 'slipway')]
    : (await v1Hierarchies()).map((c) => join(c, 'slipway'));
}

/** Removes the container's cgroups (parent and any leaf runc left) in every hierarchy. Idempotent. */
export async function removeContainerCgroup(id: string): Promise<void> {
  // Mostly one empty dir per hierarchy, removed at once; a tree only when rmdir finds one.
  const results = await Promise.allSettled(
    (await slipwayRoots()).map((root) =>
      rmdir(join(root, id)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return;
        if (err.code === 'ENOTEMPTY' || err.code === 'EBUSY') return removeTree(join(root, id));
        throw err;
      }),
    ),
  );
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/**
 * Removes every `/slipway/<id>` cgroup whose id starts with `idPrefix` (one runner's containers;
 * call after its runc containers are gone). Best effort per dir: a cgroup still in use stays.
 */
export async function gcCgroups(idPrefix: string): Promise<void> {
  for (const root of await slipwayRoots()) {
    for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && e.name.startsWith(idPrefix))
        await removeTree(join(root, e.name)).catch(() => {});
    }
  }
}

/**
 * crun refuses a hybrid host (v1 controllers plus a cgroup2 mount) whose cgroup2 root still
 * offers controllers. Mounts each such controller as its own v1 hierarchy (as systemd's hybrid
 * mode does), which leaves cgroup2 empty. No-op on pure v1 or v2 hosts.
 */
export async function ensureHybridCgroupsForCrun(): Promise<void> {
  if (cgroupVersion() === 2) return;
  const stray = (await readFile(join(ROOT, 'unified', 'cgroup.controllers'), 'utf8').catch(() => ''))
    .split(/\s+/)
    .filter(Boolean);
  for (const ctrl of stray) {
    if (!/^[a-z_]+$/.test(ctrl)) continue;
    const dir = join(ROOT, ctrl);
    await mkdir(dir, { recursive: true });
    await runTool('mount', ['-t', 'cgroup', '-o', ctrl, 'cgroup', dir]);
  }
}

/** Pids in runc's cgroup of container `id` (empty once it is gone). */
export async function containerPids(id: string): Promise<number[]> {
  const parent = cgroupVersion() === 2 ? join(ROOT, 'slipway', id) : join(ROOT, 'pids', 'slipway', id);
  const procs = (dir: string) => readFile(join(dir, 'cgroup.procs'), 'utf8');
  // The leaf when runc's cgroup is nested (see createContainerCgroup), else the parent itself.
  const text = await procs(join(parent, 'ctr')).catch(() => procs(parent).catch(() => ''));
  return text.split('\n').filter(Boolean).map(Number);
}

/**
 * True when SIGTERM cannot end the container: its only process is its init (pid 1 in its pid
 * namespace), which the kernel shields from signals it does not catch. Waiting out the grace
 * period is then pointless.
 */
export async function termCannotEnd(id: string): Promise<boolean> {
  const pids = await containerPids(id);
  if (pids.length !== 1) return false;
  const status = await readFile(`/proc/${pids[0]}/status`, 'utf8').catch(() => '');
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return caught !== undefined && (BigInt(`0x${caught}`) & (1n << 14n)) === 0n;
}
