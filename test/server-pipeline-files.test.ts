import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_PIPELINE_BYTES } from '../pipelines/index.js';
import { pipelinesAtCommit } from '../server/runs/index.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { tempDir } from './helpers/tmp.js';

// The server plans from the pipeline files of the pushed commit, read from its bare mirror:
// what the loader gets must be what the commit holds, links and oversized files included.

const PIPELINE = (name: string) =>
  `name: ${name}\nimage: busybox:latest\njobs:\n  a:\n    steps:\n      - run: echo ${name}\n`;

async function mirrorOf(dir: string): Promise<string> {
  const mirror = await tempDir('pipelines-mirror');
  git(mirror, 'init', '-q', '--bare');
  git(mirror, 'fetch', '-q', dir, '+refs/heads/*:refs/heads/*');
  return mirror;
}

test('top-level and .slipway/ files are read; links and oversized files are refused unread', async () => {
  const repo = await testGitRepo({
    '.slipway.yml': PIPELINE('top'),
    '.slipway/b.yml': PIPELINE('b'),
    '.slipway/notes.txt': 'not a pipeline',
    '.slipway/sub/c.yml': PIPELINE('nested'),
    'src/.slipway.yml': PIPELINE('elsewhere'),
  });
  await symlink('/etc/shadow', join(repo.dir, '.slipway/link.yml'));
  await writeFile(join(repo.dir, '.slipway/big.yml'), `# ${'x'.repeat(MAX_PIPELINE_BYTES)}\n`);
  const sha = await repo.commit({}, 'links and big');
  const loaded = await pipelinesAtCommit(await mirrorOf(repo.dir), sha);
  const byFile = new Map(loaded.map((l) => [l.file, l.result]));
  assert.deepEqual([...byFile.keys()].sort(), [
    '.slipway.yml',
    '.slipway/b.yml',
    '.slipway/big.yml',
    '.slipway/link.yml',
  ]);
  const names = loaded.flatMap((l) => (l.result.ok ? [l.result.name] : []));
  assert.deepEqual(names.sort(), ['b', 'top']);
  const error = (file: string) => {
    const r = byFile.get(file);
    return r && !r.ok ? r.errors.map((e) => e.message).join('; ') : 'no error';
  };
  assert.match(error('.slipway/link.yml'), /symlink/);
  assert.doesNotMatch(error('.slipway/link.yml'), /root:/);
  assert.match(error('.slipway/big.yml'), /larger|too large|bytes/i);
});

test('a .slipway symlink is refused as the pipeline directory; a commit without files has none', async () => {
  const repo = await testGitRepo({ 'README.md': 'hello' });
  const mirror = await mirrorOf(repo.dir);
  assert.deepEqual(await pipelinesAtCommit(mirror, repo.sha), []);
  await mkdir(join(repo.dir, 'real'));
  await writeFile(join(repo.dir, 'real/a.yml'), PIPELINE('a'));
  await symlink('real', join(repo.dir, '.slipway'));
  const sha = await repo.commit({}, 'dir link');
  git(mirror, 'fetch', '-q', repo.dir, '+refs/heads/*:refs/heads/*');
  const loaded = await pipelinesAtCommit(mirror, sha);
  assert.equal(loaded.length, 1);
  const r = loaded[0]?.result;
  assert.ok(r && !r.ok && /symlink/.test(r.errors[0]?.message ?? ''), JSON.stringify(loaded));
});

test('a commit the mirror does not hold is an error naming it', async () => {
  const repo = await testGitRepo({ '.slipway.yml': PIPELINE('top') });
  const missing = 'f'.repeat(40);
  await assert.rejects(pipelinesAtCommit(await mirrorOf(repo.dir), missing), new RegExp(missing));
});
