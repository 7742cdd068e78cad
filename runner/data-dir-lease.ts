import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../lib/proc.js';
import { dataDirPaths } from './data-dir.js';

/** A process's claim on a runner data dir; `release()` drops it (idempotent). */
export interface DataDirLease {
  /** True when no other live process held the data dir: leftovers are a crashed run's. */
  sole: boolean;
  release(): Promise<void>;
}

/**
 * Registers this process as a user of `dataDir` (`<dataDir>/owners/<pid>`) and tells whether
 * it is the only live one. Files of dead processes are removed. A runner or `slipway exec`
 * that is `sole` may garbage-collect the runtime state (containers, mounts, networks) of the
 * data dir, since nothing running can own it; otherwise it must leave it alone.
 */
export async function leaseDataDir(dataDir: string): Promise<DataDirLease> {
  const dir = dataDirPaths.owners(dataDir);
  await mkdir(dir, { recursive: true });
  let sole = true;
  for (const name of await readdir(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (processAlive(pid)) sole = false;
    else await rm(join(dir, name), { force: true });
  }
  const mine = join(dir, String(process.pid));
  await writeFile(mine, `${new Date().toISOString()}\n`);
  return { sole, release: () => rm(mine, { force: true }) };
}
