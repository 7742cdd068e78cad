import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mirrorCommit } from '../lib/git.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { tempDir } from './helpers/tmp.js';

// The bare mirrors the server plans from and runners check out from: a pushed commit, a commit
// no branch points at (a pull request's head), and commits the remote does not have.

test('a pushed commit, then the next one, and a commit no branch points at', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const mirror = join(await tempDir('mirror'), 'repo.git');
  assert.equal(await mirrorCommit(mirror, repo.dir, repo.sha), mirror);
  assert.equal(git(mirror, 'cat-file', '-t', repo.sha), 'commit');
  const next = await repo.commit({ 'b.txt': 'two' });
  await mirrorCommit(mirror, repo.dir, next);
  assert.equal(git(mirror, 'show', `${next}:b.txt`), 'two');
  // A commit on a branch deleted since (like a pull request's head, which no branch names).
  git(repo.dir, 'checkout', '-q', '-b', 'topic');
  const topic = await repo.commit({ 'c.txt': 'three' });
  git(repo.dir, 'checkout', '-q', 'main');
  git(repo.dir, 'update-ref', 'refs/pull/1/head', topic);
  git(repo.dir, 'branch', '-q', '-D', 'topic');
  await mirrorCommit(mirror, repo.dir, topic);
  assert.equal(git(mirror, 'show', `${topic}:c.txt`), 'three');
  // Several at once into one mirror are all there after.
  const shas = [await repo.commit({ 'd.txt': '4' }), await repo.commit({ 'e.txt': '5' })];
  await Promise.all(shas.map((s) => mirrorCommit(mirror, repo.dir, s)));
  for (const s of shas) assert.equal(git(mirror, 'cat-file', '-t', s), 'commit');
});

test('a commit the remote lacks is permanent; an unreachable remote temporary', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const mirror = join(await tempDir('mirror'), 'repo.git');
  const missing = 'e'.repeat(40);
  await assert.rejects(mirrorCommit(mirror, repo.dir, missing), (err: Error & { category?: string }) => {
    assert.match(err.message, new RegExp(`${missing}.*no such commit`));
    assert.equal(err.category, 'permanent');
    return true;
  });
  const gone = join(await tempDir('gone'), 'nothing.git');
  const fresh = join(await tempDir('mirror'), 'other.git');
  await assert.rejects(mirrorCommit(fresh, gone, repo.sha), (err: Error & { category?: string }) => {
    assert.match(err.message, /could not fetch commit/);
    assert.equal(err.category, 'temporary');
    return true;
  });
  await assert.rejects(mirrorCommit(mirror, repo.dir, 'HEAD'), /not a full commit sha/);
});

test('a mirror removed while the process runs is made again and filled', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const mirror = join(await tempDir('mirror'), 'repo.git');
  await mirrorCommit(mirror, repo.dir, repo.sha);
  await rm(mirror, { recursive: true, force: true });
  const next = await repo.commit({ 'b.txt': 'two' });
  await mirrorCommit(mirror, repo.dir, next);
  assert.equal(git(mirror, 'show', `${next}:b.txt`), 'two');
});
