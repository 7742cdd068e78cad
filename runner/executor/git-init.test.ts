import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gitConfigValue, initWorkspaceRepo } from './git-init.js';

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/nonexistent' },
  }).trim();

test('git reads the hand-made repository as git init and remote add would make it', async () => {
  const dest = await mkdtemp(join(tmpdir(), 'git-init-'));
  await initWorkspaceRepo(dest, 'https://***@forge.example/acme/app.git', 'a'.repeat(40));
  assert.equal(git(dest, 'rev-parse', '--is-inside-work-tree'), 'true');
  assert.equal(git(dest, 'rev-parse', '--is-bare-repository'), 'false');
  assert.equal(git(dest, 'remote', 'get-url', 'origin'), 'https://***@forge.example/acme/app.git');
  assert.equal(git(dest, 'config', 'remote.origin.fetch'), '+refs/heads/*:refs/remotes/origin/*');
  assert.equal(git(dest, 'rev-parse', '--show-object-format'), 'sha1');
  const sha256 = await mkdtemp(join(tmpdir(), 'git-init-'));
  await initWorkspaceRepo(sha256, '/srv/app.git', 'b'.repeat(64));
  assert.equal(git(sha256, 'rev-parse', '--show-object-format'), 'sha256');
});

test('an origin with characters git config treats specially is read back unchanged', async () => {
  for (const origin of ['/srv/a b#c;d.git', '/srv/quote"back\\slash.git', ' /lead-and-trail.git ']) {
    const dest = await mkdtemp(join(tmpdir(), 'git-init-'));
    await initWorkspaceRepo(dest, origin, 'c'.repeat(40));
    assert.equal(
      execFileSync('git', ['-C', dest, 'config', 'remote.origin.url'], { encoding: 'utf8' }).replace(
        /\n$/,
        '',
      ),
      origin,
    );
  }
  assert.equal(gitConfigValue('https://forge.example/a.git'), 'https://forge.example/a.git');
  assert.equal(gitConfigValue('x\u0007y'), 'xy', 'control characters are dropped');
});
