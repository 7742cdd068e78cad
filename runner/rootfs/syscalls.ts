import { createRequire } from 'node:module';
import { log } from '../../lib/log.js';

/**
 * mount(2) and umount2(2) called in-process through koffi (a libc FFI), which saves forking
 * `mount`/`umount` for every container (about 8 ms each on a small VM). Node has no such calls
 * of its own. When koffi cannot load (an exotic platform), every function here returns
 * `undefined` and callers fall back to the mount/umount tools.
 */
interface Libc {
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  umount2(target: string, flags: number): number;
  errno(): number;
}

let libc: Libc | null | undefined;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(signature: string): (...args: unknown[]) => number };
      errno(): number;
    };
    const lib = koffi.load('libc.so.6');
    const mount = lib.func(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
    );
    const umount2 = lib.func('int umount2(const char *target, int flags)');
    libc = {
      mount: (s, t, f, fl, d) => mount(s, t, f, fl, d),
      umount2: (t, fl) => umount2(t, fl),
      errno: () => koffi.errno(),
    };
  } catch (err) {
    log.debug({ err }, 'koffi unavailable; mounting with the mount tool');
    libc = null;
  }
  return libc;
}

/** The kernel's mount option limit: one page. */
export const MOUNT_DATA_MAX = 4095;

/**
 * Mounts an overlay at `target` with `options` (absolute paths only: the call does not change
 * directory). Returns 0 on success, an errno on failure, or undefined when unavailable.
 */
export function mountOverlaySyscall(target: string, options: string): number | undefined {
  const c = load();
  if (!c || options.length > MOUNT_DATA_MAX) return undefined;
  return c.mount('overlay', target, 'overlay', 0, options) === 0 ? 0 : c.errno();
}

/** umount2(target, flags); 0, an errno, or undefined when unavailable. MNT_DETACH = 2. */
export function umountSyscall(target: string, flags = 0): number | undefined {
  const c = load();
  if (!c) return undefined;
  return c.umount2(target, flags) === 0 ? 0 : c.errno();
}
