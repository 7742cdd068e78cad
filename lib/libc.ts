import { createRequire } from 'node:module';
import { log } from './log.js';

/**
 * mount(2), umount2(2), the idmapped-mount calls (open_tree, mount_setattr, move_mount) and
 * mkfifo(3), made in-process through koffi (a libc FFI), which saves forking `mount`/`umount`
 * for every container (about 8 ms each on a small VM). Node has no such calls of its own. When koffi cannot load (an exotic platform), every function here returns
 * `undefined` and callers fall back to the mount/umount tools.
 */
interface Libc {
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  umount2(target: string, flags: number): number;
  /** umount2 on a libuv worker thread; its return value (not errno, which stays on that thread). */
  umount2Async(target: string, flags: number): Promise<number>;
  openTree(dfd: number, path: string, flags: number): number;
  mountSetattr(dfd: number, path: string, flags: number, attr: Buffer, size: number): number;
  moveMount(fromDfd: number, fromPath: string, toDfd: number, toPath: string, flags: number): number;
  close(fd: number): number;
  mkfifo(path: string, mode: number): number;
  errno(): number;
}

let libc: Libc | null | undefined;

/** A koffi function: called directly, or through `async` on a worker thread (the callback last). */
type KoffiFunction = ((...args: unknown[]) => number) & {
  async(...args: unknown[]): void;
};

function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(signature: string): KoffiFunction };
      errno(): number;
    };
    const lib = koffi.load('libc.so.6');
    const mount = lib.func(
      'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
    );
    const umount2 = lib.func('int umount2(const char *target, int flags)');
    const openTree = lib.func('int open_tree(int dfd, const char *path, unsigned int flags)');
    const mountSetattr = lib.func(
      'int mount_setattr(int dfd, const char *path, unsigned int flags, void *attr, size_t size)',
    );
    const moveMount = lib.func(
      'int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags)',
    );
    const close = lib.func('int close(int fd)');
    const mkfifo = lib.func('int mkfifo(const char *path, unsigned int mode)');
    libc = {
      mount: (s, t, f, fl, d) => mount(s, t, f, fl, d),
      umount2: (t, fl) => umount2(t, fl),
      umount2Async: (t, fl) =>
        new Promise((resolve, reject) =>
          umount2.async(t, fl, (err: Error | null, res: number) => (err ? reject(err) : resolve(res))),
        ),
      openTree: (d, p, f) => openTree(d, p, f),
      mountSetattr: (d, p, f, a, n) => mountSetattr(d, p, f, a, n),
      moveMount: (fd, fp, td, tp, f) => moveMount(fd, fp, td, tp, f),
      close: (fd) => close(fd),
      mkfifo: (p, m) => mkfifo(p, m),
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

/**
 * umountSyscall on a worker thread, so that a slow unmount does not stop this process's event
 * loop: an overlay a container just left takes 1.5 ms at the median and up to 40 ms under load
 * (most of it waiting, not CPU). Resolves to the same results. On failure, the errno is read by
 * asking again here (errno stays on the worker thread): the same target gives the same error,
 * or 0 when the second try succeeded.
 */
export async function umountSyscallAsync(target: string, flags = 0): Promise<number | undefined> {
  const c = load();
  if (!c) return undefined;
  if ((await c.umount2Async(target, flags)) === 0) return 0;
  return c.umount2(target, flags) === 0 ? 0 : c.errno();
}

/** mkfifo(path, mode); 0, an errno, or undefined when unavailable. */
export function mkfifoSyscall(path: string, mode: number): number | undefined {
  const c = load();
  if (!c) return undefined;
  return c.mkfifo(path, mode) === 0 ? 0 : c.errno();
}

const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const AT_RECURSIVE = 0x8000;
const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const MOUNT_ATTR_IDMAP = 0x100000;
const MOVE_MOUNT_F_EMPTY_PATH = 4;

/**
 * Mounts an idmapped copy of the tree at `source` on `target` (an existing dir): files owned
 * by uid/gid N on disk appear as the user namespace `usernsFd` maps N (open_tree, then
 * mount_setattr(MOUNT_ATTR_IDMAP), then move_mount; Linux 5.12+). Returns 0, an errno, or
 * undefined when the calls are unavailable.
 */
export function idmapMountSyscall(source: string, target: string, usernsFd: number): number | undefined {
  const c = load();
  if (!c) return undefined;
  const fd = c.openTree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (fd < 0) return c.errno();
  try {
    // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
    const attr = Buffer.alloc(32);
    attr.writeBigUInt64LE(BigInt(MOUNT_ATTR_IDMAP), 0);
    attr.writeBigUInt64LE(BigInt(usernsFd), 24);
    if (c.mountSetattr(fd, '', AT_EMPTY_PATH | AT_RECURSIVE, attr, attr.length) !== 0) return c.errno();
    return c.moveMount(fd, '', AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) === 0 ? 0 : c.errno();
  } finally {
    c.close(fd);
  }
}
