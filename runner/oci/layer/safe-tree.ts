import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** An entry that would escape or corrupt the layer dir; the unpack fails with it. */
export class UnsafeEntryError extends Error {}

/**
 * Lexically normalises a tar name to root-relative components: leading `/` and `./` are
 * dropped (absolute names are taken relative to the layer root, as Docker does), `.` and empty
 * parts vanish, `..` pops — and popping past the root is refused. `absolute` reports a
 * leading `/` so the caller can warn.
 */
export function normaliseEntryName(name: string): { parts: string[]; absolute: boolean } {
  if (name.includes('\0')) throw new UnsafeEntryError('name contains a NUL byte');
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) throw new UnsafeEntryError('name escapes the layer root with ".."');
      parts.pop();
    } else parts.push(p);
  }
  return { parts, absolute: name.startsWith('/') };
}

/**
 * Paths inside one layer dir that is private to this unpack (a fresh temp dir nobody else
 * writes), so checking with lstat and then acting is race-free: the only writer is the tar
 * itself, applied one entry at a time. No path component is ever followed through a symlink.
 *
 * Calls are synchronous on purpose: each is a single metadata syscall of a few µs, and a
 * layer has up to ~10^5 of them; the promise API's thread-pool round trip made a 100k-entry
 * layer several times slower. The event loop still turns between tar entries.
 */
export class SafeTree {
  /** Parent dirs already verified as real directories; cleared whenever something is removed. */
  private readonly knownDirs = new Set<string>();
  /** Every path this unpack created (a superset of what exists: removals are not subtracted). */
  private readonly created = new Set<string>();

  constructor(readonly root: string) {}

  abs(parts: string[]): string {
    return parts.length === 0 ? this.root : join(this.root, ...parts);
  }

  /**
   * Makes every parent of `parts` a real directory (creating missing ones 0755, like Docker),
   * refusing when one is a symlink or a non-directory.
   */
  ensureParents(parts: string[], create = true): void {
    let rel = '';
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel === '' ? parts[i]! : `${rel}/${parts[i]}`;
      if (this.knownDirs.has(rel)) continue;
      const st = this.created.has(rel)
        ? lstatSync(join(this.root, rel), { throwIfNoEntry: false })
        : undefined;
      if (!st) {
        if (!create) throw new UnsafeEntryError(`"${rel}" does not exist`);
        mkdirSync(join(this.root, rel), 0o755);
        this.created.add(rel);
      } else if (st.isSymbolicLink()) {
        throw new UnsafeEntryError(`parent "${rel}" is a symlink; writing through it is refused`);
      } else if (!st.isDirectory()) {
        throw new UnsafeEntryError(`parent "${rel}" is not a directory`);
      }
      this.knownDirs.add(rel);
    }
  }

  /** lstat of a path in the tree, or undefined when absent. */
  lstat(parts: string[]) {
    return lstatSync(this.abs(parts), { throwIfNoEntry: false });
  }

  /**
   * Clears the way for a new entry at `parts`: an existing directory is kept when the new
   * entry is a directory too (returns 'dir-kept'); anything else there is removed.
   */
  clear(parts: string[], newIsDir: boolean): 'absent' | 'dir-kept' | 'removed' {
    if (parts.length === 0) {
      if (newIsDir) return 'dir-kept';
      throw new UnsafeEntryError('only a directory may stand at the layer root');
    }
    const rel = parts.join('/');
    const path = this.abs(parts);
    // the tree started empty: a path no entry created cannot exist, so skip the syscall
    const st = this.created.has(rel) ? lstatSync(path, { throwIfNoEntry: false }) : undefined;
    this.created.add(rel);
    if (!st) return 'absent';
    if (st.isDirectory() && newIsDir) return 'dir-kept';
    rmSync(path, { recursive: true, force: true });
    if (st.isDirectory()) this.knownDirs.clear();
    return 'removed';
  }
}
