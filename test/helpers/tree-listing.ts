import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';

/**
 * A filesystem tree as a normalised listing, so a directory on disk (an unpacked image, an
 * overlay mount) and a tar stream (`docker export`, a layer) compare field by field: path,
 * type, permission bits (incl. setuid/setgid/sticky), owner, content hash, link target, and
 * which paths are hard links of each other. Mtimes are deliberately left out.
 */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  mode: string;
  owner: string;
  size?: number;
  sha256?: string;
  target?: string;
  /** For hard-linked files: the lowest path of the group they share an inode with. */
  linkGroup?: string;
}

export type TreeListing = Map<string, TreeEntry>;

/** Paths Docker adds to every container (its init layer and mounts): not part of an image. */
export const DOCKER_CONTAINER_PATHS = [
  '/.dockerenv',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/etc/mtab',
  '/dev',
  '/proc',
  '/sys',
];

const ignored = (path: string, ignore: readonly string[]) =>
  ignore.some((p) => path === p || path.startsWith(`${p}/`));

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

function finishGroups(listing: TreeListing, groups: Map<string, string[]>): TreeListing {
  for (const paths of groups.values()) {
    if (paths.length < 2) continue;
    const first = [...paths].sort()[0]!;
    for (const p of paths) listing.get(p)!.linkGroup = first;
  }
  return new Map([...listing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Lists everything below `root` (not `root` itself), without following symlinks. */
export async function listDir(root: string, ignore: readonly string[] = []): Promise<TreeListing> {
  const listing: TreeListing = new Map();
  const groups = new Map<string, string[]>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = `${rel}/${name}`;
      if (ignored(path, ignore)) continue;
      const abs = join(dir, name);
      const st = await lstat(abs);
      const base = { path, mode: octal(st.mode), owner: `${st.uid}:${st.gid}` };
      if (st.isDirectory()) {
        listing.set(path, { ...base, type: 'dir' });
        await walk(abs, path);
      } else if (st.isFile()) {
        listing.set(path, { ...base, type: 'file', size: st.size, sha256: await hashFile(abs) });
        if (st.nlink > 1)
          groups.set(`${st.dev}:${st.ino}`, [...(groups.get(`${st.dev}:${st.ino}`) ?? []), path]);
      } else if (st.isSymbolicLink())
        listing.set(path, { ...base, type: 'symlink', target: await readlink(abs) });
      else {
        const type = st.isCharacterDevice()
          ? 'char'
          : st.isBlockDevice()
            ? 'block'
            : st.isFIFO()
              ? 'fifo'
              : 'socket';
        listing.set(path, { ...base, type });
      }
    }
  };
  await walk(root, '');
  return finishGroups(listing, groups);
}

const normalise = (name: string) => `/${name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '')}`;

const TAR_TYPES: Partial<Record<NonNullable<Header['type']>, TreeEntry['type']>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

/** Lists the entries of an uncompressed tar stream (e.g. `docker export`). */
export async function listTar(tar: Readable, ignore: readonly string[] = []): Promise<TreeListing> {
  const listing: TreeListing = new Map();
  const groups = new Map<string, string[]>();
  const ex = extract();
  const done = pipeline(tar, ex);
  for await (const entry of ex) {
    const h = entry.header;
    const path = normalise(h.name);
    if (path === '/' || ignored(path, ignore)) {
      entry.resume();
      continue;
    }
    const base = { path, mode: octal(h.mode ?? 0), owner: `${h.uid ?? 0}:${h.gid ?? 0}` };
    if (h.type === 'link') {
      const target = normalise(h.linkname ?? '');
      const of = listing.get(target);
      if (of) listing.set(path, { ...of, ...base });
      groups.set(target, [...(groups.get(target) ?? [target]), path]);
      entry.resume();
      continue;
    }
    const type = TAR_TYPES[h.type ?? 'file'];
    if (!type) throw new Error(`tar entry ${h.name} has unsupported type ${h.type}`);
    const e: TreeEntry = { ...base, type };
    if (type === 'symlink') e.target = h.linkname ?? '';
    if (type === 'file') Object.assign(e, await hashContent(entry));
    else entry.resume();
    listing.set(path, e);
  }
  await done;
  return finishGroups(listing, groups);
}

/**
 * Human-readable differences between two listings (empty when equal): `only in A/B` paths and
 * per-field mismatches, at most `limit` lines.
 */
export function diffListings(a: TreeListing, b: TreeListing, names = ['A', 'B'], limit = 40): string[] {
  const out: string[] = [];
  for (const [path, ea] of a) {
    const eb = b.get(path);
    if (!eb) out.push(`${path}: only in ${names[0]} (${ea.type})`);
    else
      for (const key of ['type', 'mode', 'owner', 'size', 'sha256', 'target', 'linkGroup'] as const)
        if (ea[key] !== eb[key])
          out.push(`${path}: ${key} ${ea[key]} in ${names[0]}, ${eb[key]} in ${names[1]}`);
  }
  for (const [path, eb] of b) if (!a.has(path)) out.push(`${path}: only in ${names[1]} (${eb.type})`);
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

/** Size and sha256 of a stream's bytes (a tar entry's content). */
export async function hashContent(stream: AsyncIterable<unknown>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
