import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { setAttributeSync } from 'fs-xattr';
import type { Header } from 'tar-stream';
import { XATTR_PREFIX } from './pax.js';
import { normaliseEntryName, type SafeTree, UnsafeEntryError } from './safe-tree.js';
import { makeNode, markOpaque } from './special-files.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const UMASK = process.umask();
const IS_ROOT = process.getuid?.() === 0;
/** xattr namespaces a layer may set. trusted.* (overlayfs's own metadata) and system.* are refused. */
const ALLOWED_XATTR = /^(user|security)\./;

/**
 * Applies one tar entry to a SafeTree in overlayfs lower-dir form. File system calls are
 * synchronous for speed (see SafeTree); regular files get owner, mode and times through their
 * open descriptor. Reports oddities through
 * `warn`; throws UnsafeEntryError for entries that could escape the tree. Directory mtimes are
 * deferred (children change them) and applied by finish().
 */
export class EntryWriter {
  private readonly dirTimes: Array<{ path: string; mtime: Date; depth: number }> = [];
  bytes = 0;

  constructor(
    private readonly tree: SafeTree,
    private readonly warn: (entry: string, message: string) => void,
  ) {}

  async apply(h: Header, content: AsyncIterable<Uint8Array>): Promise<void> {
    const { parts, absolute } = normaliseEntryName(h.name);
    if (absolute) this.warn(h.name, 'absolute name, extracted relative to the layer root');
    const base = parts[parts.length - 1] ?? '';
    if (base.startsWith(WHITEOUT)) return this.whiteout(h, parts, base);

    switch (h.type) {
      case 'directory':
        return this.directory(h, parts);
      case 'file':
      case 'contiguous-file':
        return this.file(h, parts, content);
      case 'symlink':
        this.tree.ensureParents(parts);
        this.tree.clear(parts, false);
        symlinkSync(h.linkname, this.tree.abs(parts));
        return this.finishNode(h, parts, { symlink: true });
      case 'link':
        return this.hardlink(h, parts);
      case 'fifo':
        this.tree.ensureParents(parts);
        this.tree.clear(parts, false);
        await makeNode(this.tree.abs(parts), 'fifo');
        return this.finishNode(h, parts, {});
      case 'character-device':
      case 'block-device':
        this.warn(
          h.name,
          `${h.type} ${h.devmajor}:${h.devminor} skipped (device nodes are not allowed in layers)`,
        );
        return;
      default:
        this.warn(h.name, `unsupported entry type ${String(h.type)} skipped`);
    }
  }

  private directory(h: Header, parts: string[]): void {
    this.tree.ensureParents(parts);
    const state = this.tree.clear(parts, true);
    const path = this.tree.abs(parts);
    if (state !== 'dir-kept') mkdirSync(path, h.mode & 0o7777);
    this.owner(path, h, state === 'dir-kept');
    this.xattrs(path, h);
    this.dirTimes.push({ path, mtime: h.mtime, depth: parts.length });
  }

  private async file(h: Header, parts: string[], content: AsyncIterable<Uint8Array>): Promise<void> {
    this.tree.ensureParents(parts);
    this.tree.clear(parts, false);
    const path = this.tree.abs(parts);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const fd = openSync(path, flags, h.mode & 0o777);
    try {
      for await (const chunk of content) {
        for (let off = 0; off < chunk.byteLength; ) off += writeSync(fd, chunk, off);
        this.bytes += chunk.byteLength;
      }
      const chowned = h.uid !== 0 || h.gid !== 0 || !IS_ROOT;
      if (chowned) fchownSync(fd, h.uid, h.gid);
      const mode = h.mode & 0o7777;
      if (chowned || (mode & 0o7000) !== 0 || (mode & UMASK) !== 0) fchmodSync(fd, mode);
      futimesSync(fd, h.mtime, h.mtime);
    } finally {
      closeSync(fd);
    }
    this.xattrs(path, h);
  }

  private async hardlink(h: Header, parts: string[]): Promise<void> {
    let target: string[];
    try {
      target = normaliseEntryName(h.linkname).parts;
    } catch (err) {
      throw new UnsafeEntryError(`hardlink target "${h.linkname}": ${(err as Error).message}`);
    }
    if (target.length === 0) throw new UnsafeEntryError('hardlink to the layer root');
    try {
      this.tree.ensureParents(target, false);
    } catch (err) {
      throw new UnsafeEntryError(`hardlink target "${h.linkname}": ${(err as Error).message}`);
    }
    const st = this.tree.lstat(target);
    if (!st) throw new UnsafeEntryError(`hardlink target "${h.linkname}" is not in this layer`);
    if (st.isDirectory()) throw new UnsafeEntryError(`hardlink target "${h.linkname}" is a directory`);
    this.tree.ensureParents(parts);
    if (target.join('/') === parts.join('/')) return;
    this.tree.clear(parts, false);
    // link(2) never follows a symlink at the target, so linking a symlink stays inside the tree
    linkSync(this.tree.abs(target), this.tree.abs(parts));
  }

  private async whiteout(h: Header, parts: string[], base: string): Promise<void> {
    const dirParts = parts.slice(0, -1);
    if (base === OPAQUE) {
      this.tree.ensureParents(parts);
      await markOpaque(this.tree.abs(dirParts));
      return;
    }
    const hidden = base.slice(WHITEOUT.length);
    if (hidden === '' || hidden === '.' || hidden === '..')
      throw new UnsafeEntryError(`whiteout for "${hidden}" is refused`);
    if (hidden.startsWith(WHITEOUT)) {
      this.warn(h.name, 'aufs metadata entry skipped');
      return;
    }
    const target = [...dirParts, hidden];
    this.tree.ensureParents(target);
    this.tree.clear(target, false);
    await makeNode(this.tree.abs(target), 'whiteout');
    this.finishNode(h, target, { whiteout: true });
  }

  /** Owner, mode, xattrs and mtime of a non-directory just created at `parts`. */
  private finishNode(h: Header, parts: string[], kind: { symlink?: boolean; whiteout?: boolean }): void {
    const path = this.tree.abs(parts);
    if (kind.symlink) {
      if (h.uid !== 0 || h.gid !== 0 || !IS_ROOT) lchownSync(path, h.uid, h.gid);
      if (hasXattrs(h)) this.warn(h.name, 'xattrs on a symlink skipped (they would apply to its target)');
    } else {
      this.owner(path, h, false, kind.whiteout);
      this.xattrs(path, h);
    }
    lutimesSync(path, h.mtime, h.mtime);
  }

  /** `path` is a directory, fifo or whiteout this unpack just made (never a symlink). */
  private owner(path: string, h: Header, existed: boolean, whiteout = false): void {
    const chowned = h.uid !== 0 || h.gid !== 0 || !IS_ROOT;
    if (chowned) lchownSync(path, h.uid, h.gid);
    if (whiteout) return;
    const mode = h.mode & 0o7777;
    // chown clears setuid/setgid, umask trims the create mode: fix up only when needed
    if (existed || chowned || (mode & 0o7000) !== 0 || (mode & UMASK) !== 0) chmodSync(path, mode);
  }

  /** setxattr follows symlinks, so callers never pass one. */
  private xattrs(path: string, h: Header): void {
    const pax = h.pax as Record<string, string> | null | undefined;
    if (!pax) return;
    for (const [key, value] of Object.entries(pax)) {
      if (!key.startsWith(XATTR_PREFIX)) continue;
      const name = key.slice(XATTR_PREFIX.length);
      if (!ALLOWED_XATTR.test(name)) {
        this.warn(h.name, `xattr ${name} skipped (only user.* and security.* are applied)`);
        continue;
      }
      setAttributeSync(path, name, Buffer.from(value, 'latin1'));
    }
  }

  /** Applies deferred directory mtimes, deepest first. */
  finish(): void {
    this.dirTimes.sort((a, b) => b.depth - a.depth);
    for (const d of this.dirTimes) lutimesSync(d.path, d.mtime, d.mtime);
  }
}

function hasXattrs(h: Header): boolean {
  const pax = h.pax as Record<string, string> | null | undefined;
  return !!pax && Object.keys(pax).some((k) => k.startsWith(XATTR_PREFIX));
}
