import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { GitObjectReader, parseTree } from '../lib/git-objects.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { tempDir } from './helpers/tmp.js';

// The long-lived object reader the server plans from and the mirrors check commits with.

test('reads blobs and trees, says missing, and keeps only what fits the limit', async () => {
  const repo = await testGitRepo({ 'a.txt': 'alpha\n', 'dir/b.txt': 'x'.repeat(5000) });
  const reader = new GitObjectReader(join(repo.dir, '.git'));
  try {
    const tree = await reader.read(`${repo.sha}^{tree}`);
    assert.equal(tree?.type, 'tree');
    const entries = parseTree(tree?.data ?? Buffer.alloc(0), tree?.oid.length ?? 40);
    assert.deepEqual(
      entries.map((e) => [e.mode, e.name]),
      [
        ['100644', 'a.txt'],
        ['40000', 'dir'],
      ],
    );
    const a = await reader.read(entries[0]?.oid ?? '');
    assert.equal(a?.data?.toString(), 'alpha\n');
    // Several requests at once are answered in order; a big object past the limit has no bytes.
    const [big, missing, small] = await Promise.all([
      reader.read(`${repo.sha}:dir/b.txt`, 100),
      reader.read('0'.repeat(40)),
      reader.read(`${repo.sha}:a.txt`, 100),
    ]);
    assert.deepEqual([big?.type, big?.size, big?.data], ['blob', 5000, undefined]);
    assert.equal(missing, undefined);
    assert.equal(small?.data?.toString(), 'alpha\n');
    await assert.rejects(reader.read('HEAD\nHEAD'), /not an object name/);
  } finally {
    reader.close();
  }
});

test('a commit fetched after the reader started is found', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const mirror = await tempDir('objects-mirror');
  git(mirror, 'init', '-q', '--bare');
  git(mirror, 'fetch', '-q', repo.dir, '+refs/heads/*:refs/heads/*');
  const reader = new GitObjectReader(mirror);
  try {
    assert.equal(await reader.hasCommit(repo.sha), true);
    const next = await repo.commit({ 'b.txt': 'two' });
    assert.equal(await reader.hasCommit(next), false);
    git(mirror, 'fetch', '-q', repo.dir, '+refs/heads/*:refs/heads/*');
    assert.equal(await reader.hasCommit(next), true);
    // A tree is not a commit.
    assert.equal(await reader.hasCommit(`${next}^{tree}`), false);
  } finally {
    reader.close();
  }
});

test('an idle reader does not keep the process alive; a closed one starts again', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const script = `import { GitObjectReader } from ${JSON.stringify(new URL('../lib/git-objects.ts', import.meta.url).pathname)};
const r = new GitObjectReader(${JSON.stringify(join(repo.dir, '.git'))});
console.log(await r.hasCommit(${JSON.stringify(repo.sha)}));`;
  const started = Date.now();
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(out.trim(), 'true');
  assert.ok(Date.now() - started < 15_000, 'the process waited for the idle reader');
  const reader = new GitObjectReader(join(repo.dir, '.git'));
  assert.equal(await reader.hasCommit(repo.sha), true);
  reader.close();
  assert.equal(await reader.hasCommit(repo.sha), true);
  reader.close();
});
