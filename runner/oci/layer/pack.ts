import { createReadStream, readFileSync, readlinkSync } from 'node:fs';
import { type Header, type Pack, pack } from 'tar-stream';
import { SlipwayError } from '../../../lib/errors.js';
import { DigestCounter } from '../store/digest.js';
import { type ContentStore, type Descriptor, type Digest, MediaType } from '../types.js';
import { blockGzip } from './pack-gzip.js';
import { normaliseItem, normaliseRoot } from './pack-normalise.js';
import { devNumbers, type WalkItem, walkTree } from './pack-walk.js';
import { installBinaryXattrCoding, XATTR_PREFIX } from './pax.js';

installBinaryXattrCoding();

/** Files up to this size are read in one synchronous call instead of streamed. */
const SMALL_FILE = 256 * 1024;

export interface PackOptions {
  /** `dir` is an overlayfs upper dir: translate its whiteouts and opaque dirs to OCI form. */
  upper?: boolean;
  /** Clamp every mtime to at most this (seconds since epoch), e.g. from SOURCE_DATE_EPOCH. */
  sourceDateEpoch?: number;
  /** gzip (default; level 1, see pack-gzip.ts) or a plain tar. */
  compression?: 'gzip' | 'none';
  /**
   * Also make `dir` itself exactly what unpacking the layer would produce, so it can be used
   * as the layer's unpacked dir (ImageStore.adoptLayerDir): mtimes set to the whole seconds
   * written (clamped), xattrs an unpack would not set removed (opaque markers stay), the root
   * dir 0755 root:root (pack-normalise.ts). `dir` must not be in use (an upper dir: unmounted first).
   */
  normalise?: boolean;
}

export interface PackedLayer {
  /** Descriptor of the stored (compressed) blob. */
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar. */
  diffID: Digest;
  /** Bytes of file content and tar entries (as unpack counts them). */
  stats: { size: number; entries: number };
  /** With `normalise`: whether `dir` now matches the layer (false when it held a socket). */
  adoptable: boolean;
}

/**
 * Packs `dir` into an OCI layer written straight into `content`: entries in a stable sorted
 * order, uid/gid/mode/mtime kept (mtimes optionally clamped), hardlinks detected by inode,
 * xattrs as PAX `SCHILY.xattr.*`, and — with `upper` — overlay whiteouts as `.wh.` entries.
 * The diffID and the blob digest and size come from the same single pass. Same tree, same
 * options → same bytes (gzip output has no timestamp).
 */
export async function packLayer(
  dir: string,
  content: ContentStore,
  opts: PackOptions = {},
): Promise<PackedLayer> {
  const tar = pack();
  const diff = new DigestCounter();
  async function* tarBytes(): AsyncGenerator<Uint8Array> {
    for await (const chunk of tar) {
      diff.update(chunk as Uint8Array);
      yield chunk as Uint8Array;
    }
  }
  const gzip = opts.compression !== 'none';
  const storing = content.write(gzip ? blockGzip(tarBytes()) : tarBytes());
  const progress: PackProgress = { size: 0, entries: 0, adoptable: true };
  const producing = writeEntries(tar, dir, opts, progress).catch((err: unknown) => {
    tar.destroy(err as Error);
    throw err;
  });
  const [, stored] = await Promise.all([producing, storing]);
  const mediaType = gzip ? MediaType.ociLayerGzip : MediaType.ociLayer;
  return {
    descriptor: { mediaType, digest: stored.digest, size: stored.size },
    diffID: diff.digest(),
    stats: { size: progress.size, entries: progress.entries },
    adoptable: (opts.normalise ?? false) && progress.adoptable,
  };
}

interface PackProgress {
  size: number;
  entries: number;
  adoptable: boolean;
}

async function writeEntries(
  tar: Pack,
  dir: string,
  opts: PackOptions,
  progress: PackProgress,
): Promise<void> {
  const seenInodes = new Map<string, string>();
  const clamp = (mtime: Date): Date =>
    opts.sourceDateEpoch !== undefined && mtime.getTime() > opts.sourceDateEpoch * 1000
      ? new Date(opts.sourceDateEpoch * 1000)
      : mtime;
  if (opts.normalise) normaliseRoot(dir);
  for (const item of walkTree(dir, opts.upper ?? false)) {
    try {
      const bytes = await writeItem(tar, item, seenInodes, clamp);
      if (bytes === undefined) progress.adoptable = false;
      else {
        progress.entries++;
        progress.size += bytes;
      }
      if (opts.normalise) normaliseItem(item, clamp(item.st.mtime));
    } catch (err) {
      throw new SlipwayError(`packing ${dir}: entry ${JSON.stringify(item.rel)}: ${(err as Error).message}`, {
        category: 'internal',
        context: { entry: item.rel },
        cause: err,
      });
    }
  }
  tar.finalize();
}

async function writeItem(
  tar: Pack,
  item: WalkItem,
  seenInodes: Map<string, string>,
  clamp: (d: Date) => Date,
): Promise<number | undefined> {
  const { st } = item;
  const base = { uid: st.uid, gid: st.gid, mtime: clamp(st.mtime) };
  if (item.kind !== 'node') {
    await addEntry(tar, { ...base, name: item.rel, type: 'file', mode: 0o644, size: 0 }, []);
    return 0;
  }
  const h: Header = {
    ...base,
    name: item.rel,
    mode: headerMode(st.mode),
    size: 0,
    type: 'file',
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  };
  if (st.isDirectory()) h.type = 'directory';
  else if (st.isSymbolicLink()) {
    h.type = 'symlink';
    h.linkname = readlinkSync(item.path);
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const { major, minor } = devNumbers(st.rdev);
    Object.assign(h, {
      type: st.isCharacterDevice() ? 'character-device' : 'block-device',
      devmajor: major,
      devminor: minor,
    });
  } else if (st.isFIFO()) h.type = 'fifo';
  else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? seenInodes.get(key) : undefined;
    if (first !== undefined) Object.assign(h, { type: 'link', linkname: first });
    else {
      if (st.nlink > 1) seenInodes.set(key, item.rel);
      h.size = st.size;
      await addEntry(tar, h, item.xattrs, item.path);
      return st.size;
    }
  } else return undefined; // sockets have no tar form
  await addEntry(tar, h, item.kind === 'node' && !st.isSymbolicLink() ? item.xattrs : []);
  return 0;
}

/**
 * The header mode for a stat mode: the permission and special bits exactly, 0 included.
 * tar-stream replaces a falsy mode with 0644/0755, so the file-type bits are kept in the
 * value (never zero for a real inode); its encoder writes only the low 12 bits.
 */
function headerMode(statMode: number): number {
  const type = statMode & 0o170000;
  if (type === 0) throw new Error(`stat mode ${statMode.toString(8)} has no file type`);
  return type | (statMode & 0o7777);
}

/** Writes one entry; xattrs go into its PAX header as raw bytes (see pax.ts). */
async function addEntry(
  tar: Pack,
  h: Partial<Header> & { name: string },
  xattrs: Array<[string, Buffer]>,
  file?: string,
): Promise<void> {
  if (xattrs.length > 0)
    h = { ...h, pax: Object.fromEntries(xattrs.map(([k, v]) => [`${XATTR_PREFIX}${k}`, v])) };
  if (h.type === 'directory') h = { ...h, name: `${h.name}/` };
  if (file === undefined || h.size === 0) return entry(tar, h, Buffer.alloc(0));
  if ((h.size ?? 0) <= SMALL_FILE) {
    const data = readFileSync(file);
    if (data.length !== h.size) throw new Error(`changed while packing (${h.size} → ${data.length} bytes)`);
    return entry(tar, h, data);
  }
  const sink = tar.entry(h);
  const done = new Promise<void>((resolve, reject) => {
    sink.on('error', reject);
    sink.on('close', () => resolve());
  });
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
  }
  (sink as unknown as { end(): void }).end();
  await done;
}

function entry(tar: Pack, h: Partial<Header> & { name: string }, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => tar.entry(h, data, (err) => (err ? reject(err) : resolve())));
}
