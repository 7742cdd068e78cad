import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { decompressed } from '../../runner/oci/index.js';
import { hashContent, type TreeEntry, type TreeListing } from './tree-listing.js';

/**
 * Applies an image's layers in order, in memory, and returns the resulting root filesystem as a
 * normalised listing (the same shape as tree-listing.ts's listDir/listTar): OCI whiteouts
 * (`.wh.NAME`) delete NAME and everything below it from lower layers, an opaque marker
 * (`.wh..wh..opq`) empties its directory of lower-layer entries, a non-directory replaces a
 * directory subtree, hard links share an inode (so a later layer replacing one path leaves the
 * other path with the old content). Layers may be gzip, zstd or plain tars. Nothing touches disk.
 */
export type LayerSource = () => AsyncIterable<Uint8Array>;

interface Node {
  entry: TreeEntry;
  ino: number;
  layer: number;
}

const TYPES: Partial<Record<NonNullable<Header['type']>, TreeEntry['type']>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

const normalise = (name: string) =>
  `/${name
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/\/\.\//g, '/')}`;
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

function removeTree(fs: Map<string, Node>, path: string, keepLayer?: number): void {
  for (const p of [...fs.keys()])
    if ((p === path || p.startsWith(`${path}/`)) && fs.get(p)!.layer !== keepLayer) fs.delete(p);
}

async function applyLayer(fs: Map<string, Node>, source: LayerSource, layer: number, nextIno: () => number) {
  const ex = extract();
  const done = pipeline(Readable.from(decompressed(source())), ex);
  for await (const item of ex) {
    const h = item.header;
    const path = normalise(h.name);
    const base = baseOf(path);
    if (base === '.wh..wh..opq') {
      const dir = parentOf(path);
      for (const p of [...fs.keys()])
        if (p.startsWith(dir === '/' ? '/' : `${dir}/`) && p !== dir && fs.get(p)!.layer !== layer)
          fs.delete(p);
      item.resume();
      continue;
    }
    if (base.startsWith('.wh.')) {
      removeTree(fs, `${parentOf(path) === '/' ? '' : parentOf(path)}/${base.slice(4)}`);
      item.resume();
      continue;
    }
    if (path === '/') {
      item.resume();
      continue;
    }
    const meta = { path, mode: octal(h.mode ?? 0), owner: `${h.uid ?? 0}:${h.gid ?? 0}` };
    const existing = fs.get(path);
    if (h.type === 'link') {
      const target = fs.get(normalise(h.linkname ?? ''));
      if (!target) throw new Error(`layer ${layer}: hard link ${path} to missing ${h.linkname}`);
      if (existing) removeTree(fs, path);
      fs.set(path, { entry: { ...target.entry, path }, ino: target.ino, layer });
      item.resume();
      continue;
    }
    const type = TYPES[h.type ?? 'file'];
    if (!type) throw new Error(`layer ${layer}: entry ${h.name} has unsupported type ${h.type}`);
    if (existing && !(existing.entry.type === 'dir' && type === 'dir')) removeTree(fs, path);
    const entry: TreeEntry = { ...meta, type };
    if (type === 'symlink') entry.target = h.linkname ?? '';
    if (type === 'file') Object.assign(entry, await hashContent(item));
    else item.resume();
    fs.set(path, { entry, ino: nextIno(), layer });
  }
  await done;
}

/** Flattens `layers` (bottom first) and lists the result, leaving out paths in `ignore`. */
export async function flattenLayers(
  layers: LayerSource[],
  ignore: readonly string[] = [],
): Promise<TreeListing> {
  const fs = new Map<string, Node>();
  let ino = 0;
  for (const [i, layer] of layers.entries()) await applyLayer(fs, layer, i, () => ++ino);
  const byIno = new Map<number, string[]>();
  for (const [p, n] of fs) if (n.entry.type === 'file') byIno.set(n.ino, [...(byIno.get(n.ino) ?? []), p]);
  const listing: TreeListing = new Map();
  const isIgnored = (p: string) => ignore.some((i) => p === i || p.startsWith(`${i}/`));
  for (const p of [...fs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isIgnored(p)) continue;
    const n = fs.get(p)!;
    const group = byIno.get(n.ino)!;
    const entry = { ...n.entry };
    const linked = (group ?? []).filter((g) => !isIgnored(g)).sort();
    if (n.entry.type === 'file' && linked.length > 1) entry.linkGroup = linked[0]!;
    listing.set(p, entry);
  }
  return listing;
}
