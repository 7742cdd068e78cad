import { readdir } from 'node:fs/promises';
import { SlipwayError } from '../../lib/errors.js';
import { dataDirPaths } from '../data-dir.js';
import type { RunningContainer } from './container.js';
import { containerId } from './ids.js';
import { createJobDisk, type JobDisk, removeJobDisk, resetJobDisk } from './job-disk.js';
import type { JobNetwork } from './network/index.js';
import type { JobHandle, RunResult, ServiceHandle } from './types.js';

/**
 * A job's state in the OCI runtime (oci-runtime.ts): its containers, their cleanups, its
 * network and disk. Owned by the runtime; destroyJob or recycleJob ends it.
 */
export class Job implements JobHandle {
  readonly containers = new Map<string, RunningContainer>();
  /** Background cleanups (root fs, cgroups, network attachment) of ended containers, by name. */
  readonly cleanups = new Map<string, Promise<void>>();
  /** Containers between the start request and being registered, by name (destroyJob waits). */
  readonly starting = new Map<string, Promise<unknown>>();
  /** Bind sources already given to the user namespace's ids (see shiftBindSources). */
  readonly shifted = new Set<string>();
  destroyed = false;
  network?: { subnet: string; gateway: string };
  workDir?: string;
  constructor(
    readonly id: string,
    readonly jobNetwork?: JobNetwork,
    readonly disk?: JobDisk,
  ) {
    if (jobNetwork) this.network = { subnet: jobNetwork.subnet, gateway: jobNetwork.gateway };
    if (disk) this.workDir = disk.workDir;
  }
}

export class Service implements ServiceHandle {
  constructor(
    readonly name: string,
    readonly containerId: string,
    readonly done: Promise<RunResult>,
    readonly running: RunningContainer,
    readonly ip?: string,
  ) {}
}

/** Marks `job` destroyed, stops its containers (TERM, KILL after `graceMs`, at most 1 s) and waits until each one's cleanup is done. */
export async function stopJobContainers(job: Job, graceMs: number): Promise<void> {
  job.destroyed = true;
  await Promise.allSettled([...job.starting.values()]);
  const running = [...job.containers.values()];
  for (const c of running) c.stop('stop', Math.min(graceMs, 1000));
  await Promise.allSettled(running.map((c) => c.done));
  await Promise.allSettled([...job.cleanups.values()]);
}

/**
 * The state for the next job of `job`'s environment (Runtime.recycleJob), once its containers
 * are stopped: the same network, the disk emptied (or made anew when it grew). Throws when a
 * container dir or a network attachment of `job` is left.
 */
export async function recycledJob(dataDir: string, job: Job): Promise<Job> {
  const left = await leftContainers(dataDir, job.id);
  const attached = job.jobNetwork?.hostsEntries().length ?? 0;
  if (left.length > 0 || attached > 0)
    throw new SlipwayError(
      `job ${job.id} cannot be recycled: ${left.length} container dir(s) and ${attached} network attachment(s) are left`,
      { category: 'internal', context: { job: job.id } },
    );
  let disk = job.disk;
  if (disk && !(await resetJobDisk(dataDir, job.id, disk))) {
    await removeJobDisk(dataDir, job.id);
    disk = await createJobDisk(dataDir, job.id, disk.bytes);
  }
  return new Job(job.id, job.jobNetwork, disk);
}

/** The container dirs of job `jobId` still in the data dir (each container's is removed once it ends). */
async function leftContainers(dataDir: string, jobId: string): Promise<string[]> {
  const prefix = containerId(dataDir, jobId, 'x').slice(0, -1);
  const names = await readdir(dataDirPaths.containers(dataDir)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix));
}
