import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, listAttributesSync } from 'fs-xattr';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** One thing pack will write, in tar order. */
export type WalkItem =
  | {
      kind: 'node';
      rel: string;
      path: string;
      st: Stats;
      xattrs: Array<[string, Buffer]>;
      /** trusted.overlay.* names other than the opaque marker of an upper dir (overlay bookkeeping, never content). */
      overlayXattrs: string[];
    }
  | { kind: 'whiteout'; rel: string; path: string; st: Stats }
  | { kind: 'opaque'; rel: string; st: Stats };

/**
 * Depth-first walk of `root` in a stable order (names sorted by code unit, parents before
 * children), without following symlinks. In `upper` mode overlayfs markers become OCI
 * whiteouts: a 0/0 character device `x` → a `.wh.x` item, a directory with
 * `trusted.overlay.opaque=y` → an `opaque` item (`.wh..wh..opq`) right after it. trusted.overlay.*
 * xattrs are never reported as content. Redirected (renamed) overlay dirs are not supported.
 * Metadata calls are synchronous: a few µs each, where a thread-pool round trip per call made
 * packing many small files several times slower.
 */
export function* walkTree(root: string, upper: boolean): Generator<WalkItem> {
  yield* walkDir(root, '', upper);
}

function* walkDir(dir: string, relDir: string, upper: boolean): Generator<WalkItem> {
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const path = join(dir, name);
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const st = lstatSync(path);
    if (upper && st.isCharacterDevice() && st.rdev === 0) {
      yield { kind: 'whiteout', rel: relDir === '' ? `.wh.${name}` : `${relDir}/.wh.${name}`, path, st };
      continue;
    }
    const all = st.isSymbolicLink() ? [] : readXattrs(path);
    const opaque =
      upper && st.isDirectory() && all.some(([k, v]) => k === OPAQUE_XATTR && v.toString() === 'y');
    const xattrs = all.filter(([k]) => !k.startsWith('trusted.overlay.'));
    const overlayXattrs = all.flatMap(([k]) =>
      k.startsWith('trusted.overlay.') && !(opaque && k === OPAQUE_XATTR) ? [k] : [],
    );
    yield { kind: 'node', rel, path, st, xattrs, overlayXattrs };
    if (st.isDirectory()) {
      if (opaque) yield { kind: 'opaque', rel: `${rel}/.wh..wh..opq`, st };
      yield* walkDir(path, rel, upper);
    }
  }
}

/** Every xattr of a non-symlink (fs-xattr follows symlinks, so they are never asked). */
function readXattrs(path: string): Array<[string, Buffer]> {
  const names = listAttributesSync(path).sort();
  const out: Array<[string, Buffer]> = [];
  for (const name of names) out.push([name, getAttributeSync(path, name)]);
  return out;
}

/** Major/minor of a Linux dev_t as returned in Stats.rdev. */
export function devNumbers(rdev: number): { major: number; minor: number } {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return { major, minor: minor >>> 0 };
}
