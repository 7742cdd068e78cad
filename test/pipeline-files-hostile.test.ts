import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { slipwayCli } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Pipeline files come from pushed commits: one that is a symlink (to a host file) or a FIFO
 * must be refused by lint, plan and exec (one loader) without its target being read.
 */
const SECRET = 'root:$y$j9T$not-a-real-hash-but-host-only:19000:0:99999:7:::';

async function hostSecret(): Promise<string> {
  const dir = await tempDir('host-only');
  const file = join(dir, 'shadow');
  await writeFile(file, `${SECRET}\ndaemon:*:19000:0:99999:7:::\n`, { mode: 0o600 });
  return file;
}

const lintWithin = async (dir: string, ms = 10_000) => {
  const started = Date.now();
  const r = await Promise.race([
    slipwayCli(['lint', dir]),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`lint still running after ${ms} ms`)), ms),
    ),
  ]);
  return { ...r, ms: Date.now() - started };
};

test('.slipway/a.yml -> a host file: refused as a symlink, no line of the target printed', async () => {
  const secret = await hostSecret();
  const repo = await tempDir('repo-link');
  await mkdir(join(repo, '.slipway'));
  await symlink(secret, join(repo, '.slipway/a.yml'));
  await symlink('/etc/shadow', join(repo, '.slipway/b.yml'));
  for (const cmd of ['lint', 'plan']) {
    const r = await slipwayCli([cmd, repo]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out + r.err, /\.slipway\/a\.yml:1:1: the pipeline file is a symlink/);
    assert.match(r.out + r.err, /\.slipway\/b\.yml:1:1: the pipeline file is a symlink/);
    assert.doesNotMatch(r.out + r.err, /not-a-real-hash|daemon|root:/);
  }
});

test('a .slipway dir that is a symlink, and .slipway.yml as a FIFO, are refused without blocking', async () => {
  const hostDir = await tempDir('host-dir');
  await writeFile(join(hostDir, 'x.yml'), `${SECRET}\n`);
  const repo = await tempDir('repo-dir-link');
  await symlink(hostDir, join(repo, '.slipway'));
  execFileSync('mkfifo', [join(repo, '.slipway.yml')]);
  const r = await lintWithin(repo);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /^\.slipway\.yml:1:1: the pipeline file is a FIFO/m);
  assert.match(r.out, /^\.slipway:1:1: the pipeline directory is a symlink/m);
  assert.doesNotMatch(r.out + r.err, /not-a-real-hash/);
  assert.ok(r.ms < 10_000);
});

test('a pipeline file over 1 MiB is refused with the limit named', async () => {
  const repo = await tempDir('repo-big');
  await writeFile(join(repo, '.slipway.yml'), `jobs: {}\n${'#'.repeat(1024 * 1024 + 10)}\n`);
  const r = await lintWithin(repo);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /^\.slipway\.yml:1:1: the pipeline file is larger than 1 MiB$/m);
});
