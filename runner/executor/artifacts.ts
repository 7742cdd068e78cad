import { copyFile, lstat, mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';

/**
 * Copies the workspace files matching `patterns` (workspace-relative globs) to `destDir`,
 * keeping their relative paths. Only regular files inside the workspace are kept; symlinks are
 * not followed, so a step cannot smuggle host files out as artifacts. Returns the kept paths.
 */
export async function collectArtifacts(
  workspace: string,
  patterns: string[],
  destDir: string,
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const base = resolve(workspace);
  const matches = await glob(patterns, { cwd: base, dot: true, onlyFiles: true, followSymbolicLinks: false });
  const kept: string[] = [];
  for (const rel of matches.sort()) {
    const abs = resolve(base, rel);
    if (!abs.startsWith(base + sep)) continue;
    const st = await lstat(abs);
    if (!st.isFile()) continue;
    const out = join(destDir, relative(base, abs));
    await mkdir(dirname(out), { recursive: true });
    await copyFile(abs, out);
    kept.push(relative(base, abs));
  }
  return kept;
}
