import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  for (const dir of ['/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

/**
 * Throws (failing the test, never skipping it) when a binary a test needs is missing,
 * naming the Debian package that provides it. `.ci/run` installs them all.
 */
export function requireBinary(name: string, debianPackage: string): string {
  const p = which(name);
  if (!p) throw new Error(`this test needs \`${name}\`: apt-get install ${debianPackage}`);
  return p;
}

/** Throws unless running as root (runc, overlay mounts, network namespaces need it). */
export function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error('this test needs root (runc, overlayfs, netns); CI runs as root');
}
