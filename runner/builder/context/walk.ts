import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../../../lib/errors.js';
import type { IgnoreMatcher } from './ignore.js';

/** One file system object in the build context, by context-relative posix path. */
export interface ContextEntry {
  rel: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (incl. setuid/setgid/sticky), without the file type. */
  mode: number;
  size: number;
  linkTarget: string | undefined;
  dev: number;
  ino: number;
  nlink: number;
  /** Change times, only to know when a remembered digest still holds (never part of a cache key). */
  mtimeMs: number;
  ctimeMs: number;
}

const MAX_ENTRIES = 2_000_000;

function typeOf(st: Stats): ContextEntry['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

export async function statEntry(root: string, rel: string): Promise<ContextEntry | undefined> {
  return statEntrySync(root, rel);
}

/** statEntry with synchronous calls (one lstat, a readlink for symlinks): cheap per entry of a big walk. */
function statEntrySync(root: string, rel: string): ContextEntry | undefined {
  const abs = join(root, rel);
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return undefined;
  const type = typeOf(st);
  return {
    rel,
    type,
    mode: st.mode & 0o7777,
    size: st.size,
    linkTarget: type === 'symlink' ? readlinkSync(abs) : undefined,
    dev: st.dev,
    ino: st.ino,
    nlink: st.nlink,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
  };
}

/**
 * Lists `rel` (a directory in the context) recursively in sorted order, without the directory
 * itself, skipping what .dockerignore excludes. Ignored directories are still descended into so
 * `!` exceptions below them work, as in Docker. Symlinks are listed, never followed.
 */
export async function walkContext(
  root: string,
  rel: string,
  ignored: IgnoreMatcher,
): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  const visit = (dir: string) => {
    const names = readdirSync(join(root, dir)).sort();
    for (const name of names) {
      const child = dir === '' ? name : `${dir}/${name}`;
      const e = statEntrySync(root, child);
      if (!e) continue;
      if (!ignored(child)) {
        out.push(e);
        if (out.length > MAX_ENTRIES) {
          throw new SlipwayError(`build context has more than ${MAX_ENTRIES} entries`, {
            context: { path: rel },
          });
        }
      }
      if (e.type === 'dir') visit(child);
    }
  };
  visit(rel);
  return out;
}
