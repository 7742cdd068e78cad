import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GitObjectReader } from '../../lib/git-objects.js';
import { initWorkspaceRepo } from './git-init.js';
import { writeTreeCheckout } from './tree-checkout.js';

const env = { ...process.env, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' };
const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env }).trim();
const readers: GitObjectReader[] = [];
after(() => {
  for (const r of readers) r.close();
});

/** A repository whose one commit holds `files` (a symlink as `{ link }`); returns it and its commit. */
async function repoWith(files: Record<string, string | { link: string } | { exec: string }>) {
  const dir = await mkdtemp(join(tmpdir(), 'tree-src-'));
  git(dir, 'init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    if (typeof content === 'string') await writeFile(join(dir, path), content);
    else if ('link' in content) execFileSync('ln', ['-s', content.link, join(dir, path)]);
    else await writeFile(join(dir, path), content.exec, { mode: 0o755 });
  }
  git(dir, 'add', '-A');
  return { dir, commit: commitIndex(dir) };
}

function commitIndex(dir: string): string {
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'tree');
  return git(dir, 'rev-parse', 'HEAD');
}

/** An empty workspace borrowing the objects of `src`, and the reader of `src`. */
async function workspaceOf(src: string, commit: string) {
  const dest = await mkdtemp(join(tmpdir(), 'tree-dest-'));
  await initWorkspaceRepo(dest, '/srv/app.git', commit);
  await writeFile(join(dest, '.git', 'objects', 'info', 'alternates'), `${join(src, '.git', 'objects')}\n`);
  const reader = new GitObjectReader(join(src, '.git'));
  readers.push(reader);
  return { dest, reader };
}

test('a tree is written as git checks it out: modes, symlinks, submodules, an index git sees clean', async () => {
  const { dir, commit: first } = await repoWith({
    'README.md': '# app\n',
    '.gitignore': 'dist/\n',
    'a-b': 'sorts before a/\n',
    'a/c.txt': 'nested\n',
    'a/deep/er/file': 'deeper\n',
    'bin/run.sh': { exec: '#!/bin/sh\necho run\n' },
    'docs/link': { link: '../README.md' },
    'ünïcode name.txt': 'utf-8\n',
  });
  // A submodule's entry, as `git submodule add` leaves it in the tree.
  git(dir, 'update-index', '--add', '--cacheinfo', `160000,${first},vendor/lib`);
  const commit = commitIndex(dir);
  const { dest, reader } = await workspaceOf(dir, commit);

  assert.equal(await writeTreeCheckout(reader, commit, dest), true);
  assert.equal(git(dest, 'rev-parse', 'HEAD'), commit);
  assert.notEqual(
    spawnSync('git', ['-C', dest, 'symbolic-ref', '-q', 'HEAD'], { env }).status,
    0,
    'HEAD is detached',
  );
  // Before anything refreshes the index (status rewrites it): git trusts its stat data as written.
  assert.equal(spawnSync('git', ['-C', dest, 'diff-files', '--quiet'], { env }).status, 0);
  assert.equal(git(dest, 'status', '--porcelain'), '');
  assert.equal(git(dest, 'ls-files', '-s'), git(dir, 'ls-files', '-s'));
  assert.equal(await readFile(join(dest, 'a/deep/er/file'), 'utf8'), 'deeper\n');
  assert.equal((await lstat(join(dest, 'bin/run.sh'))).mode & 0o111, 0o111);
  assert.equal((await lstat(join(dest, 'README.md'))).mode & 0o111, 0);
  assert.equal(await readlink(join(dest, 'docs/link')), '../README.md');
  assert.deepEqual(await readdir(join(dest, 'vendor/lib')), []);
});

test('trees git would write differently, or refuse, are left to git with nothing written', async (t) => {
  const cases: Array<[string, () => Promise<{ dir: string; commit: string }>]> = [
    [
      '.gitattributes (filters and line endings)',
      () => repoWith({ 'x.txt': 'x\n', 'sub/.gitattributes': '* text eol=crlf\n' }),
    ],
    [
      'a file over the size written in process',
      () => repoWith({ 'a.txt': 'a\n', 'big.bin': 'x'.repeat(1024 * 1024 + 1) }),
    ],
    [
      'an entry git refuses (.GIT)',
      async () => {
        const { dir } = await repoWith({ 'ok.txt': 'ok\n' });
        const blob = git(dir, 'rev-parse', 'HEAD:ok.txt');
        const tree = execFileSync('git', ['-C', dir, 'mktree'], {
          input: `100644 blob ${blob}\tok.txt\n100644 blob ${blob}\t.GIT\n`,
          encoding: 'utf8',
          env,
        }).trim();
        const commit = git(dir, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit-tree', tree, '-m', 'x');
        return { dir, commit };
      },
    ],
  ];
  for (const [name, make] of cases)
    await t.test(name, async () => {
      const { dir, commit } = await make();
      const { dest, reader } = await workspaceOf(dir, commit);
      assert.equal(await writeTreeCheckout(reader, commit, dest), false);
      assert.deepEqual(await readdir(dest), ['.git']);
      assert.equal(await readFile(join(dest, '.git', 'HEAD'), 'utf8'), 'ref: refs/heads/main\n');
    });
  await t.test('a commit the repository lacks', async () => {
    const { dir } = await repoWith({ 'a.txt': 'a\n' });
    const { dest, reader } = await workspaceOf(dir, 'f'.repeat(40));
    assert.equal(await writeTreeCheckout(reader, 'f'.repeat(40), dest), false);
  });
});
