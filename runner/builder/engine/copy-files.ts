import { chmodSync, closeSync, copyFileSync, lchownSync, lstatSync, type Stats, utimesSync } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import { openRegular, openRegularSync } from '../../../lib/regular-file.js';
import { resolveInRoot } from '../../rootfs/index.js';
import type { Owner } from './chown.js';
import { BuildFailure } from './errors.js';

const SMALL_FILE = 256 * 1024;

export interface CopyAttrs {
  /** Owner of everything copied; undefined keeps the source owner. */
  owner: Owner | undefined;
  chmod: number | undefined;
}

/**
 * Copies host files into an image root (`root`, a mounted overlay) with Docker's COPY
 * semantics: content, mode (or --chmod), owner (or --chown / 0:0), mtime, symlinks as symlinks,
 * hardlinks kept within one copy. Every destination is resolved inside `root` (a symlink in the
 * image never leads the copy out of it); sources are never followed through symlinks.
 * Missing parent directories and a missing destination directory are created 0755 with the
 * copy's owner (--chown, else root); a copied directory that already exists in the image takes
 * the source's owner and mode. Modes are kept exactly: 0, setuid, setgid and sticky included.
 */
export class RootCopier {
  private readonly links = new Map<string, string>();
  private readonly dirTimes: Array<[string, Date]>;
  /** Image dirs known to exist as real directories → host path (only this copier writes the root). */
  private readonly knownDirs: Map<string, string>;

  constructor(
    private readonly root: string,
    private readonly attrs: CopyAttrs,
    shared?: { dirTimes: Array<[string, Date]>; knownDirs: Map<string, string> },
  ) {
    this.dirTimes = shared?.dirTimes ?? [];
    this.knownDirs = shared?.knownDirs ?? new Map();
  }

  /**
   * A copier into the same root for an unpacked ADD archive's entries: they keep the archive's
   * modes whatever --chmod says, and its owners unless `chown` (--chown) is given, as BuildKit
   * unpacks. It shares this copier's directory knowledge and mtimes: `finish()` here covers both.
   */
  forArchive(chown: Owner | undefined): RootCopier {
    return new RootCopier(
      this.root,
      { owner: chown, chmod: undefined },
      { dirTimes: this.dirTimes, knownDirs: this.knownDirs },
    );
  }

  /** Creates the image directory `path` (and parents) when missing; returns its host path. */
  async ensureDir(path: string, st?: Stats): Promise<string> {
    const normal = posix.normalize(`/${path}`);
    const known = st === undefined ? this.knownDirs.get(normal) : undefined;
    if (known !== undefined) return known;
    const parts = normal.split('/').filter(Boolean);
    let host = this.root;
    let current = '/';
    for (const [i, part] of parts.entries()) {
      current = posix.join(current, part);
      const last = i === parts.length - 1;
      const cached = last && st ? undefined : this.knownDirs.get(current);
      if (cached !== undefined) {
        host = cached;
        continue;
      }
      host = await resolveInRoot(this.root, current);
      const have = await lstat(host).catch(() => undefined);
      if (have && !have.isDirectory())
        throw new BuildFailure(`cannot copy to ${path}: ${current} exists and is not a directory`);
      if (!have) await mkdir(host, { mode: 0o755 });
      // A copied directory takes its source's owner and mode even where one exists (Docker
      // merges into it); a directory made only to hold the copy is 0755, owned by --chown or root.
      if (!have || (last && st)) {
        const owner = this.owner(last ? st : undefined);
        await lchown(host, owner.uid, owner.gid);
        await chmod(host, last && st ? this.mode(st) : 0o755);
      }
      this.knownDirs.set(current, host);
    }
    return host;
  }

  /** Host path of the image path `path`, its parent directory created when missing. */
  async target(path: string): Promise<string> {
    const parent = await this.ensureDir(posix.dirname(path));
    return join(parent, posix.basename(path));
  }

  /** Whether image path `path` is a directory (symlinks followed inside the root). */
  async isDir(path: string): Promise<boolean> {
    const st = await lstat(await resolveInRoot(this.root, path)).catch(() => undefined);
    return st?.isDirectory() ?? false;
  }

  private mode(st: Stats): number {
    return this.attrs.chmod ?? st.mode & 0o7777;
  }

  private owner(st: Stats | undefined): Owner {
    return this.attrs.owner ?? (st ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
  }

  /** Copies one host object (file, dir node only, symlink) to image path `dest`. */
  async copyNode(src: string, dest: string, st: Stats): Promise<void> {
    const host = st.isDirectory() ? await this.ensureDir(dest, st) : await this.target(dest);
    const owner = this.owner(st);
    if (st.isDirectory()) {
      this.dirTimes.push([host, st.mtime]);
      return;
    }
    const have = lstatOrUndefined(host);
    if (have?.isDirectory())
      throw new BuildFailure(`cannot copy ${posix.basename(src)} to ${dest}: a directory is in the way`);
    if (have) await rm(host, { force: true });
    if (st.isSymbolicLink()) {
      await symlink(await readlink(src), host);
      await lchown(host, owner.uid, owner.gid);
      await lutimes(host, st.atime, st.mtime);
      return;
    }
    if (!st.isFile()) return; // devices, fifos and sockets are not copied from a context
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? this.links.get(inode) : undefined;
    if (first) {
      await link(first, host);
      return;
    }
    if (st.nlink > 1) this.links.set(inode, host);
    if (st.size <= SMALL_FILE) {
      // One small file is a few µs of syscalls: cheaper inline than five thread-pool round trips.
      // The source is opened as a checked regular file (a FIFO swapped in cannot block) and
      // copied through its descriptor, so what is copied is what was checked.
      const fd = openRegularSync(src, 'COPY source');
      try {
        copyFileSync(`/proc/self/fd/${fd}`, host);
      } finally {
        closeSync(fd);
      }
      lchownSync(host, owner.uid, owner.gid);
      chmodSync(host, this.mode(st));
      utimesSync(host, st.atime, st.mtime);
      return;
    }
    const fh = await openRegular(src, 'COPY source');
    try {
      await copyFile(`/proc/self/fd/${fh.fd}`, host);
    } finally {
      await fh.close();
    }
    await lchown(host, owner.uid, owner.gid);
    await chmod(host, this.mode(st));
    await utimes(host, st.atime, st.mtime);
  }

  /**
   * Copies a host directory's contents (recursively, sorted) into image dir `dest`. With
   * `archiveDirs` (the directory entries of an extracted archive, as relative paths), a
   * directory the archive only implies is handled like a parent: an existing one is left as
   * it is, a missing one made 0755 (owned by --chown or root).
   */
  async copyTree(src: string, dest: string, archiveDirs?: ReadonlySet<string>, rel = ''): Promise<void> {
    for (const name of (await readdir(src)).sort()) {
      const s = join(src, name);
      const st = await lstat(s);
      const path = rel ? `${rel}/${name}` : name;
      const target = posix.join(dest, name);
      if (st.isDirectory() && archiveDirs && !archiveDirs.has(path)) await this.ensureDir(target);
      else await this.copyNode(s, target, st);
      if (st.isDirectory()) await this.copyTree(s, target, archiveDirs, path);
    }
  }

  /** Restores directory mtimes after their contents were written. */
  async finish(): Promise<void> {
    for (const [host, mtime] of this.dirTimes.reverse()) await utimes(host, mtime, mtime).catch(() => {});
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}
