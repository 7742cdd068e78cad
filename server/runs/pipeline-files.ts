import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxedGit } from '../../lib/git.js';
import { type LoadedPipeline, loadPipelines, MAX_PIPELINE_BYTES } from '../../pipelines/index.js';

/** The paths whose entries may be pipeline files: `.slipway.yml`, `.slipway.yaml`, `.slipway/*`. */
const PATHS = ['.slipway.yml', '.slipway.yaml', '.slipway'];

/**
 * The pipeline files of `commit` in the bare mirror `mirror`, parsed (loadPipelines' rules).
 * Only the tree entries that can be pipeline files are written to a private temp dir, each as
 * what it is in git (a symlink stays a symlink, so the loader refuses it unread; a blob larger
 * than the loader's limit is written only to that limit). Nothing else of the commit is read.
 */
export async function pipelinesAtCommit(mirror: string, commit: string): Promise<LoadedPipeline[]> {
  const git = sandboxedGit(mirror);
  // `-l` gives each blob's size, so a file is read only when it is within the loader's limit.
  const tree = await git.raw(['ls-tree', '-r', '-z', '-l', '--full-tree', commit, '--', ...PATHS]);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pipelines-'));
  try {
    for (const entry of tree.split('\0')) {
      const m = /^(\d{6}) (blob|tree|commit) ([0-9a-f]+) +(\d+|-)\t(.+)$/s.exec(entry);
      if (!m) continue;
      const [, mode, type, object, sizeText, path] = m as unknown as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const parts = path.split('/');
      // Only `.slipway.y(a)ml` at the top, or direct children of `.slipway/`.
      if (parts.length > 2 || (parts.length === 2 && parts[0] !== '.slipway')) continue;
      if (type !== 'blob') continue;
      const target = join(dir, path);
      if (parts.length === 2) await mkdir(join(dir, '.slipway'), { recursive: true, mode: 0o700 });
      const size = Number(sizeText);
      if (size > MAX_PIPELINE_BYTES) {
        // Too large to read: a file of the same kind past the limit, so the loader says so.
        if (mode === '120000') await symlink('too-long', target);
        else {
          await writeFile(target, '', { mode: 0o600 });
          await truncate(target, MAX_PIPELINE_BYTES + 1);
        }
        continue;
      }
      const content = await git.raw(['cat-file', 'blob', object]);
      if (mode === '120000') await symlink(content, target);
      else await writeFile(target, content, { mode: 0o600 });
    }
    return await loadPipelines(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
