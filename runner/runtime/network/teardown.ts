import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../../lib/log.js';
import { dataDirPaths } from '../../data-dir.js';
import { deleteBridge, listSlipwayBridges } from './bridge.js';
import { removeJobRules } from './firewall.js';
import { cniNetworkName, jobNetnsPrefix, jobTag, ownerLabel } from './names.js';
import { deleteNetns, listNetns } from './netns.js';

/**
 * On-disk state under `<dataDir>/network/`: `jobs/<jobTag>.json` (written before the bridge is
 * claimed, removed last) and `ipam/` (host-local's lease directories, one per job network).
 */
export const jobRecordSchema = z.object({ jobId: z.string(), bridge: z.string(), subnet: z.string() });
export type JobRecord = z.infer<typeof jobRecordSchema>;

function recordPath(dataDir: string, jobId: string): string {
  return join(dataDirPaths.networkJobs(dataDir), `${jobTag(jobId)}.json`);
}

export async function writeJobRecord(dataDir: string, record: JobRecord): Promise<void> {
  await mkdir(dataDirPaths.networkJobs(dataDir), { recursive: true });
  await writeFile(recordPath(dataDir, record.jobId), JSON.stringify(record));
}

export async function readJobRecord(dataDir: string, jobId: string): Promise<JobRecord | undefined> {
  const text = await readFile(recordPath(dataDir, jobId), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : jobRecordSchema.parse(JSON.parse(text));
}

/** Every job record in the data dir; unreadable ones are reported through `onBad` and skipped. */
export async function readJobRecords(dataDir: string, onBad: (file: string) => void): Promise<JobRecord[]> {
  const files = await readdir(dataDirPaths.networkJobs(dataDir)).catch(() => [] as string[]);
  const records: JobRecord[] = [];
  for (const f of files) {
    const parsed = jobRecordSchema.safeParse(
      JSON.parse(await readFile(join(dataDirPaths.networkJobs(dataDir), f), 'utf8').catch(() => 'null')),
    );
    if (parsed.success) records.push(parsed.data);
    else {
      onBad(f);
      await rm(join(dataDirPaths.networkJobs(dataDir), f), { force: true });
    }
  }
  return records;
}

/**
 * Removes everything a job network left on the host: its netns (all containers), its rules, its
 * bridge (only if still labelled as ours, or unlabelled after a crash mid-claim), its IPAM
 * leases and finally its record. Idempotent; keeps going past failures and returns them.
 */
export async function teardownJob(dataDir: string, record: JobRecord, log: Logger): Promise<unknown[]> {
  const errors: unknown[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err, jobId: record.jobId, what }, 'network teardown step failed');
      errors.push(err);
    }
  };
  const label = ownerLabel(dataDir, record.jobId);
  await attempt('netns', async () => {
    const prefix = jobNetnsPrefix(dataDir, record.jobId);
    for (const ns of await listNetns()) if (ns.startsWith(prefix)) await deleteNetns(ns);
  });
  await attempt('iptables', () => removeJobRules({ label }));
  await attempt('bridge', async () => {
    const found = (await listSlipwayBridges()).find((b) => b.bridge === record.bridge);
    if (found && (found.label === label || found.label === '')) await deleteBridge(record.bridge);
  });
  await attempt('ipam', () =>
    rm(join(dataDirPaths.networkIpam(dataDir), cniNetworkName(dataDir, record.jobId)), {
      recursive: true,
      force: true,
    }),
  );
  if (errors.length === 0)
    await attempt('record', () => rm(recordPath(dataDir, record.jobId), { force: true }));
  return errors;
}
