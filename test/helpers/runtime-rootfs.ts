import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireBinary } from './requirements.js';

/**
 * A busybox root fs as two overlay layers, made from busybox-static's /bin/busybox:
 *   base: /bin/busybox and its applet symlinks, the usual empty dirs;
 *   etc:  /etc/passwd, /etc/group (users root, builder 1000 in groups 1000+audio(29)).
 * Returns the layer dirs bottom first, as ContainerSpec.lowerDirs wants them.
 */
export async function makeBusyboxLayers(dir: string): Promise<string[]> {
  const busybox = requireBinary('busybox', 'busybox-static');
  const base = join(dir, 'base');
  const etc = join(dir, 'etc');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home', 'usr/bin', 'var']) {
    await mkdir(join(base, d), { recursive: true });
  }
  await chmod(join(base, 'tmp'), 0o1777);
  await copyFile(busybox, join(base, 'bin/busybox'));
  await chmod(join(base, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') await symlink('busybox', join(base, 'bin', applet)).catch(() => {});
  }
  await mkdir(join(etc, 'etc'), { recursive: true });
  await mkdir(join(etc, 'home/builder'), { recursive: true });
  await writeFile(
    join(etc, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nbuilder:x:1000:1000:builder:/home/builder:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(
    join(etc, 'etc/group'),
    'root:x:0:\naudio:x:29:builder\nbuilder:x:1000:\nnogroup:x:65534:\n',
  );
  return [base, etc];
}
