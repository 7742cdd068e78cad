import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { dataDirPaths } from '../data-dir.js';

/**
 * Which process owns a job's runtime state (containers, disk, network) on a data dir several
 * processes share: `runtime/owners/<job>.json`, written before any of it is made and removed
 * once all of it is gone. A job whose owner died (kill -9, a crash) can then be collected by
 * any other process of the data dir (gcDeadOwnersJobs), with the live ones' jobs left alone.
 * The owner is its pid and the pid's start time, so a reused pid is not taken for the owner.
 */
const OwnerSchema = z.object({ pid: z.number().int().positive(), started: z.string() });

/** This process's start time as the kernel counts it (clock ticks since boot), or '' off Linux. */
function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; the command (field 2) may hold spaces, so count after its ')'.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Records this process as the owner of job `jobId`. */
export async function recordJobOwner(dataDir: string, jobId: string): Promise<void> {
  await mkdir(dataDirPaths.jobOwners(dataDir), { recursive: true });
  const owner = { pid: process.pid, started: startTime(process.pid) ?? '' };
  const file = dataDirPaths.jobOwner(dataDir, jobId);
  // Written whole or not at all: a half-written record would read as a dead owner's.
  await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(owner)}\n`);
  await rename(`${file}.${process.pid}.tmp`, file);
}

/** Drops job `jobId`'s owner record (its state is gone). Idempotent. */
export async function dropJobOwner(dataDir: string, jobId: string): Promise<void> {
  await rm(dataDirPaths.jobOwner(dataDir, jobId), { force: true });
}

/** The jobs of this data dir whose owner process is gone (an unreadable record counts as gone). */
export async function deadOwnersJobs(dataDir: string): Promise<string[]> {
  const dir = dataDirPaths.jobOwners(dataDir);
  const dead: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    const jobId = name.slice(0, -'.json'.length);
    const raw = await readFile(dataDirPaths.jobOwner(dataDir, jobId), 'utf8').catch(() => undefined);
    if (raw === undefined) continue; // dropped meanwhile
    let owner: z.infer<typeof OwnerSchema> | undefined;
    try {
      owner = OwnerSchema.parse(JSON.parse(raw));
    } catch {
      owner = undefined;
    }
    if (!owner || owner.pid === process.pid) {
      if (!owner) dead.push(jobId);
      continue;
    }
    if (startTime(owner.pid) !== owner.started) dead.push(jobId);
  }
  return dead;
}
