import { chmod, chown, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runTool } from '../../../lib/proc.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
builder:x:1000:1000:builder:/home/builder:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;
const GROUP = `root:x:0:
builder:x:1000:
nogroup:x:65534:
`;

async function mkdirMode(path: string, mode: number, owner = 0): Promise<void> {
  await mkdir(path, { recursive: true });
  await chmod(path, mode);
  await chown(path, owner, owner);
}

/**
 * Writes a busybox root filesystem into the empty `dir` from the host's statically linked
 * `/bin/busybox` (Debian's busybox-static): the binary, one symlink per applet, root/builder/
 * nobody users, /tmp 1777. No registry needed, so a fresh host has a base image to run.
 */
export async function makeBusyboxRootfs(dir: string, busybox = '/bin/busybox'): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'var', 'home'])
    await mkdirMode(join(dir, d), 0o755);
  await mkdirMode(join(dir, 'root'), 0o700);
  await mkdirMode(join(dir, 'tmp'), 0o1777);
  await mkdirMode(join(dir, 'home/builder'), 0o755, 1000);
  await copyFile(busybox, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  const applets = await runTool(busybox, ['--list-full']);
  for (const applet of applets.split('\n').filter((l) => l && !l.includes('..'))) {
    if (applet === 'bin/busybox') continue;
    await mkdir(join(dir, dirname(applet)), { recursive: true });
    await symlink('/bin/busybox', join(dir, applet));
  }
  for (const [name, text] of [
    ['etc/passwd', PASSWD],
    ['etc/group', GROUP],
  ] as const) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o644);
  }
}
