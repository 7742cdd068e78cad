import { chmodSync, chownSync, mkdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { constants as osConstants, release } from 'node:os';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import {
  idmapMountSyscall,
  MOUNT_DATA_MAX,
  mountOverlaySyscall,
  umountSyscall,
  umountSyscallAsync,
} from '../../lib/libc.js';
import { runTool } from '../../lib/proc.js';
import { removeTree } from '../../lib/remove-tree.js';
import { topmostLowerDirs } from './lower-dirs.js';

const MNT_DETACH = 2;

function errnoName(errno: number): string {
  const name = Object.entries(osConstants.errno).find(([, n]) => n === errno)?.[0];
  return name ? `${name} (errno ${errno})` : `errno ${errno}`;
}

/**
 * The root fs of one container: an overlay of read-only layer dirs with a fresh upper/work dir,
 * all inside the container's own state dir `dir`:
 *   dir/l/<n>  short symlinks to the layer dirs (keeps the mount options far below the
 *              one-page limit of mount(2): ~6 bytes per layer instead of a long absolute path)
 *   dir/u dir/w  upper and work dir (the container's writes; removed with the container), or
 *              symlinks to them on another filesystem (a job's disk: `upperIn`)
 *   dir/m      the merged mount point (runc's root.path)
 */
export interface OverlayRoot {
  dir: string;
  merged: string;
}

/**
 * Mounts the overlay. `lowerDirs` are BOTTOM FIRST (image diff_ids order); a dir listed more
 * than once (an image repeating a layer) is mounted only at its topmost position
 * (`topmostLowerDirs`: overlayfs refuses a lower dir twice). With `upperIn`, the
 * upper and work dirs are made there (a fresh dir on the filesystem that should hold the
 * container's writes) and `dir/u`, `dir/w` link to them; unmountOverlay removes `upperIn` too.
 * When the options
 * with absolute paths fit in a page (and no path holds ':' or ','), mount(2) is called
 * in-process; otherwise `mount` runs with `dir` as cwd and the lowerdir option holds only
 * short relative `l/<n>` symlinks. On failure nothing stays mounted; the caller still owns
 * `dir` and removes it with unmountOverlay.
 */
export async function mountOverlay(
  dir: string,
  imageLowerDirs: readonly string[],
  upperIn?: string,
  idmap?: OverlayIdmap,
): Promise<OverlayRoot> {
  const lowerDirs = topmostLowerDirs(imageLowerDirs);
  if (lowerDirs.length === 0)
    throw new SlipwayError('an image needs at least one layer', { category: 'permanent' });
  if (lowerDirs.length > 500)
    throw new SlipwayError(`image has ${lowerDirs.length} layers; at most 500 are supported`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(dir, 'm'));
  if (upperIn) mkdirSync(upperIn, { mode: 0o700 });
  for (const sub of ['u', 'w']) {
    if (!upperIn) mkdirSync(join(dir, sub));
    else {
      mkdirSync(join(upperIn, sub));
      symlinkSync(join(upperIn, sub), join(dir, sub));
    }
  }
  const merged = join(dir, 'm');
  if (idmap) return mountIdmapped(dir, lowerDirs, idmap);
  // volatile: no syncs of the upper dir — it is thrown away with the container (and by GC after
  // a crash), so durability buys nothing; it also makes unmounting much cheaper.
  const volatile = VOLATILE ? ',volatile' : '';
  // overlayfs lists lowerdirs top first.
  const topFirst = [...lowerDirs].reverse();
  const absolute = `lowerdir=${topFirst.join(':')},upperdir=${join(dir, 'u')},workdir=${join(dir, 'w')}${volatile}`;
  const plain = [...lowerDirs, dir].every((p) => !/[:,]/.test(p));
  if (plain && absolute.length <= MOUNT_DATA_MAX) {
    const errno = mountOverlaySyscall(merged, absolute);
    if (errno === 0) return { dir, merged };
    if (errno !== undefined)
      throw new SlipwayError(`cannot mount the overlay root fs at ${merged}: ${errnoName(errno)}`, {
        category: 'internal',
        context: { dir },
      });
  }
  await mkdir(join(dir, 'l'));
  await Promise.all(lowerDirs.map((layer, i) => symlink(layer, join(dir, 'l', String(i)))));
  const lower = lowerDirs.map((_, i) => `l/${i}`).reverse();
  const options = `lowerdir=${lower.join(':')},upperdir=u,workdir=w${volatile}`;
  await runTool('mount', ['-t', 'overlay', 'overlay', '-o', options, 'm'], { cwd: dir });
  return { dir, merged };
}

/**
 * A user namespace to see the layers through: with it, mountOverlay mounts each layer idmapped
 * at `dir/l/<n>` (a file owned by N on disk appears owned by the namespace's N) and gives the
 * upper dir's root to `rootUid`/`rootGid`, so the container's writes are stored as its ids.
 */
export interface OverlayIdmap {
  usernsFd: number;
  rootUid: number;
  rootGid: number;
}

async function mountIdmapped(
  dir: string,
  lowerDirs: readonly string[],
  m: OverlayIdmap,
): Promise<OverlayRoot> {
  mkdirSync(join(dir, 'l'));
  lowerDirs.forEach((layer, i) => {
    const target = join(dir, 'l', String(i));
    mkdirSync(target);
    const errno = idmapMountSyscall(layer, target, m.usernsFd);
    if (errno !== 0)
      throw new SlipwayError(
        `cannot mount image layer ${layer} idmapped (user namespaces need Linux 5.19+): ${errno === undefined ? 'koffi unavailable' : errnoName(errno)}`,
        { category: 'internal', context: { dir } },
      );
  });
  // The merged root's owner and mode are the upper dir's: the top layer's, shifted.
  const top = statSync(join(dir, 'l', String(lowerDirs.length - 1)));
  chownSync(join(dir, 'u'), m.rootUid, m.rootGid);
  chmodSync(join(dir, 'u'), top.mode & 0o7777);
  const lower = lowerDirs.map((_, i) => `l/${i}`).reverse();
  const volatile = VOLATILE ? ',volatile' : '';
  const options = `lowerdir=${lower.join(':')},upperdir=u,workdir=w${volatile}`;
  const topFirst = lowerDirs.map((_, i) => join(dir, 'l', String(i))).reverse();
  const absolute = `lowerdir=${topFirst.join(':')},upperdir=${join(dir, 'u')},workdir=${join(dir, 'w')}${volatile}`;
  const errno = /[:,]/.test(dir) ? undefined : mountOverlaySyscall(join(dir, 'm'), absolute);
  if (errno === undefined)
    await runTool('mount', ['-t', 'overlay', 'overlay', '-o', options, 'm'], { cwd: dir });
  else if (errno !== 0)
    throw new SlipwayError(`cannot mount the idmapped overlay root fs in ${dir}: ${errnoName(errno)}`, {
      category: 'internal',
      context: { dir },
    });
  return { dir, merged: join(dir, 'm') };
}

/** overlayfs learned `volatile` in Linux 5.10. */
const VOLATILE = (() => {
  const [major = 0, minor = 0] = release()
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 10);
})();

/** Mount points (from /proc/self/mountinfo) at or below `prefix`, deepest first. */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))))
    .filter((p) => p === prefix || p.startsWith(`${prefix}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Unmounts whatever is mounted under `dir` and removes `dir` (upper dir included, also one made
 * in mountOverlay's `upperIn`). Idempotent; never removes files through a mount still in place.
 */
export async function unmountOverlay(dir: string): Promise<void> {
  const upperIn = upperDirElsewhere(dir);
  for (const point of await mountsUnder(dir)) {
    const errno = await umountSyscallAsync(point); // off the event loop: it can take tens of ms
    if (errno === 0) continue;
    if (errno !== undefined && umountSyscall(point, MNT_DETACH) === 0) continue;
    await runTool('umount', [point]).catch(() => runTool('umount', ['-l', point]));
  }
  const left = await mountsUnder(dir);
  if (left.length)
    throw new SlipwayError(`cannot unmount ${left.join(', ')}`, { category: 'internal', context: { dir } });
  if (upperIn) await removeTree(upperIn);
  await removeTree(dir);
}

/** mountOverlay's `upperIn` when `dir/u` links there (the link is the runtime's, never a container's). */
function upperDirElsewhere(dir: string): string | undefined {
  try {
    const target = readlinkSync(join(dir, 'u'));
    return target.startsWith('/') && target.endsWith('/u') ? dirname(target) : undefined;
  } catch {
    return undefined;
  }
}
