import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../../lib/proc.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import { mountsUnder } from '../../runner/rootfs/index.js';
import { idPrefix } from '../../runner/runtime/ids.js';
import { dataDirNetnsPrefix, dataDirOwnerPrefix } from '../../runner/runtime/network/names.js';

/** What a Runtime on `dataDir` has left on the host: containers, mounts, cgroups (all should be empty). */
export async function runtimeLeftovers(dataDir: string, binary: 'runc' | 'crun') {
  const listed = execFileSync(
    binary,
    ['--root', dataDirPaths.runtimeState(dataDir, binary), 'list', '--quiet'],
    {
      encoding: 'utf8',
    },
  );
  const cgroups: string[] = [];
  const roots = (await readdir('/sys/fs/cgroup')).map((h) => join('/sys/fs/cgroup', h, 'slipway'));
  for (const root of [...roots, '/sys/fs/cgroup/slipway']) {
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (name.startsWith(idPrefix(dataDir))) cgroups.push(join(root, name));
    }
  }
  return { containers: listed.split('\n').filter(Boolean), mounts: await mountsUnder(dataDir), cgroups };
}

/**
 * Everything of a data dir's runtime still on the host, as readable strings (should be empty
 * after a run): runc containers, mounts under it, netns, links and IPAM leases of its networks,
 * job disks (images, mount points) and loop devices backed by files under it.
 */
export async function dataDirLeftovers(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  const runc = await runTool('runc', [
    '--root',
    dataDirPaths.runtimeState(dataDir, 'runc'),
    'list',
    '--quiet',
  ]).catch(() => '');
  for (const id of runc.split('\n')) if (id.startsWith(idPrefix(dataDir))) found.push(`container ${id}`);
  for (const line of (await readFile('/proc/mounts', 'utf8')).split('\n'))
    if (line.split(' ')[1]?.startsWith(dataDir)) found.push(`mount ${line.split(' ')[1]}`);
  for (const ns of (await runTool('ip', ['netns', 'list'])).split('\n'))
    if (ns.startsWith(dataDirNetnsPrefix(dataDir))) found.push(`netns ${ns}`);
  const links = await runTool('ip', ['-o', 'link', 'show']);
  for (const line of links.split('\n'))
    if (line.includes(dataDirOwnerPrefix(dataDir))) found.push(`link ${line}`);
  const ipam = join(dataDir, 'network', 'ipam');
  for (const net of await readdir(ipam).catch(() => [] as string[]))
    for (const f of await readdir(join(ipam, net)).catch(() => [] as string[]))
      if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) found.push(`lease ${net}/${f}`);
  for (const f of await readdir(dataDirPaths.jobDisks(dataDir)).catch(() => [] as string[]))
    found.push(`job disk ${f}`);
  const loops = await runTool('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
  for (const line of loops.split('\n')) if (line.includes(` ${dataDir}/`)) found.push(`loop ${line.trim()}`);
  return found;
}
