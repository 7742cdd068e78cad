import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { openRegular } from '../../lib/regular-file.js';

/**
 * `hashFiles` for cache keys: sha256 over the sorted files of `root` matching any of
 * `patterns` (globs relative to root; matches outside root are ignored, symlinks not
 * followed; a FIFO or device is never opened, and one swapped in for a matched file is an
 * error, never a blocked read). Each file contributes its path and content. No match → the hash of nothing, so a
 * key stays stable (and still distinct from any real match).
 */
export async function hashFiles(root: string, patterns: string[]): Promise<string> {
  const base = resolve(root);
  const files = await glob(patterns, { cwd: base, dot: true, onlyFiles: true, followSymbolicLinks: false });
  const inside = files
    .map((f) => resolve(base, f))
    .filter((abs) => abs.startsWith(base + sep))
    .sort();
  const hash = createHash('sha256');
  for (const abs of inside) {
    const st = await lstat(abs);
    if (!st.isFile()) continue;
    hash.update(`${relative(base, abs)}\0${st.size}\0`);
    const fh = await openRegular(abs, 'hashFiles input');
    try {
      for await (const chunk of fh.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    } finally {
      await fh.close();
    }
  }
  return hash.digest('hex');
}

const TEMPLATE = /\{\{\s*hashFiles\s+((?:"[^"]*"\s*)+)\}\}/g;

/**
 * Resolves a cache key template such as `npm-{{ hashFiles "package-lock.json" "*.lock" }}`
 * against the workspace. The first 16 hex chars of the hash are used. Other text is kept.
 */
export async function resolveCacheKey(template: string, workspace: string): Promise<string> {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(TEMPLATE)) {
    const patterns = [...(m[1] ?? '').matchAll(/"([^"]*)"/g)].map((p) => p[1] ?? '');
    out += template.slice(last, m.index) + (await hashFiles(workspace, patterns)).slice(0, 16);
    last = (m.index ?? 0) + m[0].length;
  }
  return out + template.slice(last);
}
