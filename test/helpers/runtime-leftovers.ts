import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mountsUnder } from '../../runner/runtime/overlay.js';
import { idPrefix, stateDir } from '../../runner/runtime/paths.js';

/** What a Runtime on `dataDir` has left on the host: containers, mounts, cgroups (all should be empty). */
export async function runtimeLeftovers(dataDir: string, binary: 'runc' | 'crun') {
  const listed = execFileSync(binary, ['--root', stateDir(dataDir, binary), 'list', '--quiet'], {
    encoding: 'utf8',
  });
  const cgroups: string[] = [];
  const roots = (await readdir('/sys/fs/cgroup')).map((h) => join('/sys/fs/cgroup', h, 'slipway'));
  for (const root of [...roots, '/sys/fs/cgroup/slipway']) {
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (name.startsWith(idPrefix(dataDir))) cgroups.push(join(root, name));
    }
  }
  return { containers: listed.split('\n').filter(Boolean), mounts: await mountsUnder(dataDir), cgroups };
}
