import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../lib/log.js';
import { dataDirPaths } from '../../data-dir.js';
import { deleteBridge, listSlipwayBridges } from './bridge.js';
import { removeRulesByLabel } from './firewall.js';
import { dataDirNetnsPrefix, dataDirOwnerPrefix, jobNetnsPrefix } from './names.js';
import { deleteNetns, listNetns } from './netns.js';
import { readJobRecord, readJobRecords, teardownJob } from './teardown.js';

export interface NetworkGcReport {
  jobs: number;
  netns: number;
  bridges: number;
  rules: number;
  leaseDirs: number;
}

/**
 * Removes every job network a crashed earlier run of this data dir left behind: first job by
 * job from the records, then a sweep by name/label (netns prefix, bridge ifalias, iptables
 * comment, IPAM lease dirs) for anything the records missed. Only this data dir's networks are
 * touched, so it is safe while other runners on the host are running. Call it on runner start,
 * before any job network is created; it must not run concurrently with this data dir's jobs.
 */
export async function gcNetworks(dataDir: string, log: Logger): Promise<NetworkGcReport> {
  const glog = log.child({ module: 'runtime/network-gc' });
  const report: NetworkGcReport = { jobs: 0, netns: 0, bridges: 0, rules: 0, leaseDirs: 0 };
  for (const record of await readJobRecords(dataDir, (f) =>
    glog.warn({ file: f }, 'unreadable job record'),
  )) {
    await teardownJob(dataDir, record, glog);
    report.jobs++;
  }
  const nsPrefix = dataDirNetnsPrefix(dataDir);
  for (const ns of await listNetns()) {
    if (!ns.startsWith(nsPrefix)) continue;
    await deleteNetns(ns);
    report.netns++;
  }
  const labelPrefix = dataDirOwnerPrefix(dataDir);
  for (const b of await listSlipwayBridges()) {
    if (!b.label.startsWith(labelPrefix)) continue;
    await deleteBridge(b.bridge);
    report.bridges++;
  }
  report.rules = await removeRulesByLabel(labelPrefix);
  for (const dir of await readdir(dataDirPaths.networkIpam(dataDir)).catch(() => [] as string[])) {
    await rm(join(dataDirPaths.networkIpam(dataDir), dir), { recursive: true, force: true });
    report.leaseDirs++;
  }
  if (Object.values(report).some((n) => n > 0)) glog.info(report, 'collected leftover job networks');
  return report;
}

/**
 * Removes the network of job `jobId` of this data dir as its record names it (netns, rules,
 * bridge, leases; see teardownJob), and any netns of it the record missed. For a job whose
 * owner died while other processes use the data dir; true when there was something.
 */
export async function gcJobNetwork(dataDir: string, jobId: string, log: Logger): Promise<boolean> {
  const record = await readJobRecord(dataDir, jobId);
  if (record) await teardownJob(dataDir, record, log);
  const prefix = jobNetnsPrefix(dataDir, jobId);
  const left = (await listNetns()).filter((ns) => ns.startsWith(prefix));
  for (const ns of left) await deleteNetns(ns);
  return record !== undefined || left.length > 0;
}
