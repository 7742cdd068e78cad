import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { dataDirPaths } from './data-dir.js';
import { unmountOverlay } from './rootfs/index.js';

/** What gcDataDir removed. */
export interface DataDirGcReport {
  workspaces: number;
  buildScratch: number;
  /** Lock files of RUN --mount=type=cache dirs and unfinished job cache copies. */
  cacheLeftovers: number;
  /** Log spool files of jobs whose log was never closed. */
  logSpools: number;
}

const names = (dir: string) => readdir(dir).catch(() => [] as string[]);

/**
 * Removes the files a killed run of this data dir left outside the runtime: job workspaces
 * (`workspaces/*`), job log spools (`log-spool/*`), build scratch (`build/*`, overlay mounts unmounted first), the lock files
 * of cache mounts (`build-cache-mounts/**\/*.lock`; flock locks die with their holder, the files
 * stay) and half-done job cache copies (`cache/<repo>/<ref>/*.tmp-*`). Nothing is removed
 * through a mount still in place. Only for the sole user of the data dir (see `leaseDataDir`),
 * after gcRuntime, before any job runs: every workspace and scratch dir then is a dead run's.
 */
export async function gcDataDir(dataDir: string, log: Logger): Promise<DataDirGcReport> {
  const report: DataDirGcReport = { workspaces: 0, buildScratch: 0, cacheLeftovers: 0, logSpools: 0 };
  const removeAll = async (parent: string, key: 'workspaces' | 'buildScratch') => {
    for (const name of await names(parent)) {
      await unmountOverlay(join(parent, name)).then(
        () => report[key]++,
        (err) => log.warn({ err, dir: join(parent, name) }, 'cannot remove a leftover dir'),
      );
    }
  };
  await removeAll(dataDirPaths.workspaces(dataDir), 'workspaces');
  await removeAll(dataDirPaths.buildScratchRoot(dataDir), 'buildScratch');
  const spools = dataDirPaths.logSpools(dataDir);
  for (const name of await names(spools)) {
    await rm(join(spools, name), { force: true });
    report.logSpools++;
  }
  const mounts = dataDirPaths.buildCacheMounts(dataDir);
  for (const scope of await names(mounts)) {
    const files = scope.endsWith('.lock')
      ? [scope]
      : (await names(join(mounts, scope))).map((n) => join(scope, n));
    for (const f of files.filter((n) => n.endsWith('.lock'))) {
      await rm(join(mounts, f), { force: true });
      report.cacheLeftovers++;
    }
  }
  const caches = dataDirPaths.jobCaches(dataDir);
  for (const repo of await names(caches))
    for (const ref of await names(join(caches, repo)))
      for (const key of await names(join(caches, repo, ref)))
        if (/\.tmp-[0-9a-f]+$/.test(key)) {
          await rm(join(caches, repo, ref, key), { recursive: true, force: true });
          report.cacheLeftovers++;
        }
  if (report.workspaces || report.buildScratch || report.cacheLeftovers || report.logSpools)
    log.info(report, 'removed data dir leftovers of an earlier run');
  return report;
}
