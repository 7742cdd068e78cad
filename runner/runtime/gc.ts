import { access, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, log as rootLog } from '../../lib/log.js';
import { dataDirPaths } from '../data-dir.js';
import { mountsUnder, unmountOverlay } from '../rootfs/index.js';
import { gcCgroups } from './cgroups.js';
import { ociCommand } from './container.js';
import { idPrefix } from './ids.js';
import { gcJobDisks } from './job-disk.js';
import { gcNetworks } from './network/index.js';

export interface RuntimeGcReport {
  containers: number;
  rootfs: number;
  /** Job disks (runner/runtime/job-disk.ts) unmounted and removed. */
  disks: number;
}

/**
 * Removes everything a crashed earlier run of this data dir left behind: runc/crun containers
 * (killed, then deleted), overlay mounts and upper dirs, job disks, cgroups, and — through the network
 * module — netns, bridges, firewall rules and IPAM leases. Call it on runner start, before any
 * job runs; it must not run while this data dir's jobs are running. Other data dirs' containers
 * are never touched.
 */
export async function gcRuntime(dataDir: string, log: Logger = rootLog): Promise<RuntimeGcReport> {
  const glog = log.child({ module: 'runtime/gc' });
  const report: RuntimeGcReport = { containers: 0, rootfs: 0, disks: 0 };
  const prefix = idPrefix(dataDir);
  report.containers = await removeContainers(dataDir, prefix, glog);
  const dir = dataDirPaths.containers(dataDir);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    await unmountOverlay(join(dir, name)).catch((err) =>
      glog.warn({ err, dir: name }, 'root fs removal failed'),
    );
    report.rootfs++;
  }
  // Job disks hold the containers' upper dirs: only now that those are unmounted.
  report.disks = await gcJobDisks(dataDir, glog);
  // Mounts whose dirs vanished (should not happen, but never leave one behind).
  for (const point of await mountsUnder(dataDirPaths.runtime(dataDir))) {
    await unmountOverlay(point).catch(() => {});
  }
  await gcCgroups(prefix);
  await gcNetworks(dataDir, glog).catch((err) => glog.warn({ err }, 'network gc failed'));
  await rm(dataDirPaths.jobOwners(dataDir), { recursive: true, force: true }); // no job is left to own
  if (report.containers || report.rootfs || report.disks)
    glog.info(report, 'removed leftovers of an earlier run');
  return report;
}

/**
 * Kills and deletes every runc/crun container of `dataDir` whose id starts with `prefix` (all
 * of the data dir's, or one job's). Best effort per container; returns how many were listed.
 */
export async function removeContainers(dataDir: string, prefix: string, glog: Logger): Promise<number> {
  let removed = 0;
  for (const binary of ['runc', 'crun']) {
    const rt = { binary, stateDir: dataDirPaths.runtimeState(dataDir, binary) };
    if (
      !(await access(rt.stateDir).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const listed = await ociCommand(rt, ['list', '--quiet']).catch((err) => {
      glog.warn({ err }, `${binary} list failed`);
      return '';
    });
    for (const id of listed.split('\n').map((s) => s.trim())) {
      if (!id.startsWith(prefix)) continue;
      await ociCommand(rt, ['kill', '--all', id, 'KILL']).catch(() => {});
      await ociCommand(rt, ['delete', '--force', id]).catch((err) => glog.warn({ err, id }, 'delete failed'));
      removed++;
    }
  }
  return removed;
}
