import { cp, mkdir, readdir } from 'node:fs/promises';
import { simpleGit } from 'simple-git';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';

/** Where a job's source comes from: a local directory (`slipway exec`) or a git commit. */
export type WorkspaceSource = { kind: 'dir'; path: string } | { kind: 'git'; url: string; commit: string };

/**
 * Fills the empty directory `dest` with the job's source. A local dir is copied (symlinks kept
 * as links, never followed, so nothing outside the source is read); a git source is cloned and
 * checked out at exactly `commit` (detached). The caller owns `dest` and removes it.
 */
export async function prepareWorkspace(source: WorkspaceSource, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) {
    throw new SlipwayError(`workspace ${dest} is not empty`, { category: 'internal' });
  }
  if (source.kind === 'dir') {
    await cp(source.path, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    return;
  }
  const started = Date.now();
  const git = simpleGit({ baseDir: dest });
  try {
    await git.init().addRemote('origin', source.url);
    // Fetch only the one commit when the server allows it; fall back to a full fetch.
    await git.fetch(['--depth=1', 'origin', source.commit]).catch(() => git.fetch(['origin']));
    await git.checkout(['--detach', source.commit]);
  } catch (err) {
    throw new SlipwayError(
      `could not check out ${source.commit} from ${source.url}: ${(err as Error).message}`,
      {
        category: 'temporary',
        context: { commit: source.commit },
        cause: err,
      },
    );
  }
  log.debug({ url: source.url, commit: source.commit, ms: Date.now() - started }, 'workspace cloned');
}
