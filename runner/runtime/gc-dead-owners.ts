import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, log as rootLog } from '../../lib/log.js';
import { dataDirPaths } from '../data-dir.js';
import { unmountOverlay } from '../rootfs/index.js';
import { gcCgroups } from './cgroups.js';
import { removeContainers } from './gc.js';
import { idPrefix } from './ids.js';
import { removeJobDisk } from './job-disk.js';
import { deadOwnersJobs, dropJobOwner } from './job-owner.js';
import { gcJobNetwork } from './network/index.js';

/**
 * Collects the runtime state of every job of this data dir whose owner process is gone (see
 * job-owner.ts): its containers (killed, deleted), their root fs mounts and cgroups, its disk
 * and its network; then its owner record. Jobs of live processes are never touched, so any
 * process of a shared data dir may call it at any time (a runner does at start when it is not
 * the data dir's only user, and every minute). Idempotent; returns the jobs collected.
 */
export async function gcDeadOwnersJobs(dataDir: string, log: Logger = rootLog): Promise<string[]> {
  const glog = log.child({ module: 'runtime/gc-dead-owners' });
  const jobs = await deadOwnersJobs(dataDir);
  for (const jobId of jobs) {
    const prefix = `${idPrefix(dataDir)}${jobId}+`;
    await removeContainers(dataDir, prefix, glog);
    const containers = dataDirPaths.containers(dataDir);
    for (const name of await readdir(containers).catch(() => [] as string[]))
      if (name.startsWith(prefix))
        await unmountOverlay(join(containers, name)).catch((err) =>
          glog.warn({ err, container: name }, 'root fs removal failed'),
        );
    await gcCgroups(prefix);
    try {
      await removeJobDisk(dataDir, jobId);
      await gcJobNetwork(dataDir, jobId, glog);
      await dropJobOwner(dataDir, jobId);
      glog.info({ job: jobId }, 'collected a job whose process died (another process of this data dir)');
    } catch (err) {
      glog.warn({ err, job: jobId }, "could not collect a dead process's job; tried again later");
    }
  }
  return jobs;
}
