import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirPaths } from '../../runner/data-dir.js';

/**
 * Resolves once a container of the runner data dir `dataDir` has its bundle (config.json)
 * written, i.e. is being made; rejects after `timeoutMs`. A source's `fetched` built on it
 * shows that a step's container is made before its workspace is filled.
 */
export async function containerMade(dataDir: string, timeoutMs = 20_000): Promise<void> {
  const containers = dataDirPaths.containers(dataDir);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25)) {
    const dirs = await readdir(containers).catch(() => []);
    if (dirs.some((d) => existsSync(join(containers, d, 'config.json')))) return;
  }
  throw new Error('no container was made while the source was fetched');
}
