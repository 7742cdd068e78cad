import { statfsSync } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { SlipwayError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { runTool, tryTool } from '../../lib/proc.js';
import { removeTree } from '../../lib/remove-tree.js';
import { dataDirPaths } from '../data-dir.js';
import { unmountOverlay } from '../rootfs/index.js';

/**
 * A job's disk: its own ext4 filesystem in a sparse image file under the runtime dir,
 * loop-mounted `nosuid,nodev,noatime`. It holds the job's work dir (the executor's workspace)
 * and the upper/work dirs of every container of the job, so together they cannot write more
 * than its size: a write past it fails with ENOSPC, and the host's disk is spent only as far as
 * the job actually writes (the image is sparse). No journal (the filesystem is thrown away with
 * the job), no reserved blocks, lazily initialised inode tables: setting one up is one mkfs and
 * one mount (see runner/runtime/README.md for the measured cost). Removed by removeJobDisk, and
 * by gcJobDisks after a crash.
 */
export interface JobDisk {
  bytes: number;
  /** Where the filesystem is mounted. */
  mountPoint: string;
  /** The job's own files (the workspace). */
  workDir: string;
  /** Parent of each container's upper/work dirs (`<container id>/u`, `/w`). */
  layersDir: string;
}

const MiB = 2 ** 20;

/**
 * Whether the job's disk is (nearly) full: free space under 1% of its size (at least 1 MiB, at
 * most 16 MiB), or almost no free inodes. Read right after a failed step, before its upper dir
 * is removed, this says the step failed because it reached the limit.
 */
export function jobDiskFull(disk: Pick<JobDisk, 'mountPoint' | 'bytes'>): boolean {
  try {
    const st = statfsSync(disk.mountPoint);
    const slack = Math.min(16 * MiB, Math.max(MiB, disk.bytes / 100));
    return st.bavail * st.bsize < slack || st.ffree < 16;
  } catch {
    return false;
  }
}

/** Makes, formats and mounts the disk of job `jobId` (a leftover of the same id goes first). */
export async function createJobDisk(dataDir: string, jobId: string, bytes: number): Promise<JobDisk> {
  const mountPoint = dataDirPaths.jobDisk(dataDir, jobId);
  const image = dataDirPaths.jobDiskImage(dataDir, jobId);
  await removeJobDisk(dataDir, jobId);
  await mkdir(dataDirPaths.jobDisks(dataDir), { recursive: true, mode: 0o700 });
  try {
    const file = await open(image, 'wx', 0o600);
    await file.truncate(bytes).finally(() => file.close());
    await runTool('mkfs.ext4', [
      ...['-q', '-F', '-m', '0', '-O', '^has_journal'],
      ...['-E', 'nodiscard,lazy_itable_init=1,root_owner=0:0', image],
    ]).catch((err: Error) => {
      throw new SlipwayError(`cannot format the job's disk (mkfs.ext4, from e2fsprogs): ${err.message}`, {
        category: 'internal',
        cause: err,
      });
    });
    await mkdir(mountPoint, { mode: 0o700 });
    await runTool('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev,noatime', image, mountPoint]).catch(
      (err: Error) => {
        throw new SlipwayError(`cannot mount the job's disk (a loop device): ${err.message}`, {
          category: 'internal',
          cause: err,
        });
      },
    );
    const disk = { bytes, mountPoint, workDir: `${mountPoint}/workspace`, layersDir: `${mountPoint}/layers` };
    await mkdir(disk.workDir, { mode: 0o755 });
    await mkdir(disk.layersDir, { mode: 0o700 });
    return disk;
  } catch (err) {
    await removeJobDisk(dataDir, jobId).catch(() => {});
    throw err;
  }
}

/** A disk whose image holds more than this (blocks a job wrote, freed but still allocated) is made anew rather than emptied. */
export const RESET_MAX_ALLOCATED_BYTES = 256 * MiB;

/**
 * Empties job `jobId`'s disk for another job, keeping its filesystem and mount (no mkfs, no
 * loop device, no mount): every entry at its root but `lost+found` is removed, and the work
 * and layers dirs are made anew. Nothing a job wrote is left to read: deleted files' blocks
 * are never given to a new file's reader (ext4 zeroes or overwrites before it reads back), and
 * no container sees the device. Returns false, changing nothing, when the image holds more
 * than RESET_MAX_ALLOCATED_BYTES: a new disk gives that space back to the host. Throws when
 * an entry cannot be removed (the caller then removes the disk).
 */
export async function resetJobDisk(dataDir: string, jobId: string, disk: JobDisk): Promise<boolean> {
  const image = await stat(dataDirPaths.jobDiskImage(dataDir, jobId));
  if (image.blocks * 512 > RESET_MAX_ALLOCATED_BYTES) return false;
  for (const name of await readdir(disk.mountPoint))
    if (name !== 'lost+found') await removeTree(`${disk.mountPoint}/${name}`);
  await mkdir(disk.workDir, { mode: 0o755 });
  await mkdir(disk.layersDir, { mode: 0o700 });
  return true;
}

/** Unmounts job `jobId`'s disk and removes its image. Idempotent; a no-op when there is none. */
export async function removeJobDisk(dataDir: string, jobId: string): Promise<void> {
  // unmountOverlay unmounts whatever is mounted there, then removes the (now empty) mount point.
  await unmountOverlay(dataDirPaths.jobDisk(dataDir, jobId));
  const image = dataDirPaths.jobDiskImage(dataDir, jobId);
  // The mount's loop device clears itself once unmounted, but not always at once: detached
  // here, it never outlives its image.
  await detachLoops(image);
  await rm(image, { force: true });
}

/** Detaches every loop device backed by `image` (best effort). */
async function detachLoops(image: string): Promise<void> {
  const backing = await tryTool('losetup', [
    '--list',
    '--noheadings',
    '--output',
    'NAME',
    '--associated',
    image,
  ]).catch(() => ({ stdout: '' }));
  for (const dev of backing.stdout.split('\n').filter((l) => l.startsWith('/dev/loop')))
    await tryTool('losetup', ['--detach', dev.trim()]).catch(() => {});
}

/**
 * Removes every job disk of this data dir (after a crash; call once its containers are gone):
 * unmounts it, detaches a loop device still backing its image, removes the image. Returns how
 * many there were.
 */
export async function gcJobDisks(dataDir: string, log: Logger): Promise<number> {
  const dir = dataDirPaths.jobDisks(dataDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = new Set(names.map((n) => n.replace(/\.img$/, '')));
  for (const id of ids) {
    const image = dataDirPaths.jobDiskImage(dataDir, id);
    await unmountOverlay(dataDirPaths.jobDisk(dataDir, id)).catch((err) =>
      log.warn({ err, job: id }, 'job disk unmount failed'),
    );
    // A mount killed between attaching the loop device and mounting leaves the device attached.
    await detachLoops(image);
    await rm(image, { force: true });
  }
  return ids.size;
}
