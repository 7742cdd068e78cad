import { type Dirent, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How many entries removeTree removes synchronously before it hands the rest to `fs.rm`: a
 * container's dir and a step's upper dir hold a few dozen, which this removes in about a
 * millisecond; a tree a step filled with thousands of files must not stop the event loop.
 */
export const SYNC_REMOVE_BUDGET = 256;

/**
 * Removes `path` and everything below it, like `rm -rf` (a missing path is fine; symlinks are
 * removed, never followed). A small tree goes synchronously with one readdir per directory
 * (its entries' types come with it) and one unlink or rmdir per entry: about half the system
 * calls of `fs.rm`'s walk (an lstat per entry, a failed rmdir and a readdir per directory) and
 * none of its thread-pool round trips. Past `budget` entries the rest goes to `fs.rm`.
 */
export async function removeTree(path: string, budget = SYNC_REMOVE_BUDGET): Promise<void> {
  let left = budget;
  /** Removes `dir`'s tree; false when the budget ran out first (what is left stays). */
  const removeDir = (dir: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'ENOTDIR') throw err;
      unlinkSync(dir);
      return true;
    }
    for (const entry of entries) {
      if (--left < 0) return false;
      const child = join(dir, entry.name);
      if (!entry.isDirectory()) unlinkSync(child);
      else if (!removeDir(child)) return false;
    }
    rmdirSync(dir);
    return true;
  };
  let done: boolean;
  try {
    done = removeDir(path);
  } catch {
    done = false; // EACCES, EBUSY, a race with another remover: fs.rm retries and says why
  }
  if (!done) await rm(path, { recursive: true, force: true });
}
