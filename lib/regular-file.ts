import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { SlipwayError } from './errors.js';

/**
 * Reading files that untrusted input put on disk (build contexts, workspaces, pipeline files):
 * only regular files, never through a symlink in the last component, and never blocking. The
 * path is lstat'ed first, opened with O_NOFOLLOW | O_NONBLOCK (a FIFO or device swapped in
 * after the lstat opens without waiting for a writer), and the opened descriptor is fstat'ed
 * again, so what is read is the regular file that was checked. `what` names the file in errors
 * ("the Dockerfile", ".dockerignore").
 */
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The kind of a non-regular file, for messages: "a symlink", "a FIFO", "a directory". */
export function fileKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return st.isFile() ? 'a regular file' : 'not a regular file';
}

function refuse(what: string, path: string, st: Stats): SlipwayError {
  return new SlipwayError(`${what} (${path}) is ${fileKind(st)}, not a regular file: refused`, {
    context: { path },
  });
}

function check(what: string, path: string, before: Stats, opened: Stats): void {
  if (!opened.isFile()) throw refuse(what, path, opened);
  if (opened.ino !== before.ino || opened.dev !== before.dev) {
    throw new SlipwayError(`${what} (${path}) changed while it was opened: refused`, { context: { path } });
  }
}

function openErr(what: string, path: string, err: NodeJS.ErrnoException): Error {
  // O_NOFOLLOW on a symlink swapped in after the lstat.
  if (err.code === 'ELOOP')
    return new SlipwayError(`${what} (${path}) is a symlink: refused`, { context: { path } });
  return err;
}

/** Opens a regular file for reading (see above). ENOENT passes through as is. */
export async function openRegular(path: string, what = 'file'): Promise<FileHandle> {
  const st = await lstat(path);
  if (!st.isFile()) throw refuse(what, path, st);
  const fh = await open(path, FLAGS).catch((e: NodeJS.ErrnoException) => {
    throw openErr(what, path, e);
  });
  try {
    check(what, path, st, await fh.stat());
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** openRegular, synchronously; returns the descriptor (the caller closes it). */
export function openRegularSync(path: string, what = 'file'): number {
  const st = lstatSync(path);
  if (!st.isFile()) throw refuse(what, path, st);
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (e) {
    throw openErr(what, path, e as NodeJS.ErrnoException);
  }
  try {
    check(what, path, st, fstatSync(fd));
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads a whole regular file, at most `maxBytes` (one byte more is an error naming the limit,
 * read no further). ENOENT passes through so callers can treat a missing file as absent.
 */
export async function readRegularFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  const fh = await openRegular(path, what);
  try {
    const buf = Buffer.alloc(Math.min(maxBytes + 1, (await fh.stat()).size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw new SlipwayError(`${what} (${path}) is larger than ${sizeText(maxBytes)}`);
    if (n === buf.length) throw new SlipwayError(`${what} (${path}) grew while it was read`);
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/** readRegularFile for small files, synchronously (no size limit beyond the file's own). */
export function readRegularFileSync(path: string, what = 'file'): Buffer {
  const fd = openRegularSync(path, what);
  try {
    const buf = Buffer.alloc(fstatSync(fd).size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** `1 MiB`, `4 MiB`, `512 KiB`. */
export function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
