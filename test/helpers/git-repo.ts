import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mirrorCommit } from '../../lib/git.js';
import { tempDir } from './tmp.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};

/** Runs git in `dir` with a fixed identity and no host config; returns its trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/**
 * A git repository in a temp dir (removed after the test file) on branch `main`, with one
 * commit of `files` (path → content). `commit(files, message)` adds another; both return its sha.
 */
export async function testGitRepo(files: Record<string, string>): Promise<{
  dir: string;
  sha: string;
  commit(files: Record<string, string>, message?: string): Promise<string>;
}> {
  const dir = await tempDir('git-repo');
  git(dir, 'init', '-q', '-b', 'main');
  const commit = async (more: Record<string, string>, message = 'change'): Promise<string> => {
    for (const [path, content] of Object.entries(more)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const sha = await commit(files, 'first');
  return { dir, sha, commit };
}

/** A testGitRepo of `files` and a bare mirror (mirrorCommit, in a temp dir) holding its first commit. */
export async function mirroredGitRepo(files: Record<string, string>) {
  const repo = await testGitRepo(files);
  const mirror = await mirrorCommit(join(await tempDir('mirror'), 'app.git'), repo.dir, repo.sha);
  return { repo, mirror };
}
