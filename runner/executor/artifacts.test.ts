import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collectArtifacts } from './artifacts.js';

async function workspace(): Promise<{ ws: string; dest: string }> {
  const root = await mkdtemp(join(tmpdir(), 'artifacts-'));
  await mkdir(join(root, 'ws'));
  return { ws: join(root, 'ws'), dest: join(root, 'out') };
}

describe('collectArtifacts', () => {
  it('keeps regular files with their permission bits only, never setuid/setgid/sticky', async () => {
    const { ws, dest } = await workspace();
    await writeFile(join(ws, 'tool'), '#!/bin/sh\n');
    await chmod(join(ws, 'tool'), 0o7755);
    assert.deepEqual(await collectArtifacts(ws, ['*'], dest), ['tool']);
    assert.equal((await stat(join(dest, 'tool'))).mode & 0o7777, 0o755);
    assert.equal(await readFile(join(dest, 'tool'), 'utf8'), '#!/bin/sh\n');
  });

  it('skips FIFOs without blocking, and symlinks to host files', async () => {
    const { ws, dest } = await workspace();
    execFileSync('mkfifo', [join(ws, 'pipe')]);
    await symlink('/etc/passwd', join(ws, 'passwd'));
    await writeFile(join(ws, 'ok.txt'), 'ok');
    assert.deepEqual(await collectArtifacts(ws, ['**'], dest), ['ok.txt']);
    assert.deepEqual(await readdir(dest), ['ok.txt']);
  });

  it('counts a sparse file by its apparent size and copies nothing over the limit', async () => {
    const { ws, dest } = await workspace();
    await writeFile(join(ws, 'a.txt'), 'small');
    await writeFile(join(ws, 'b.bin'), '');
    await truncate(join(ws, 'b.bin'), 3 * 1024 ** 2);
    await assert.rejects(
      collectArtifacts(ws, ['*'], dest, { limitBytes: 2 * 1024 ** 2 }),
      /artifacts exceed the job's limit of 2 MiB at b\.bin \(3 MiB so far, counted by apparent size\)/,
    );
    await assert.rejects(stat(dest), { code: 'ENOENT' });
    // under the limit, the same files are kept
    assert.deepEqual(await collectArtifacts(ws, ['*'], dest, { limitBytes: 4 * 1024 ** 2 }), [
      'a.txt',
      'b.bin',
    ]);
  });

  it('stops when the job signal aborts and leaves no partial copy', async () => {
    const { ws, dest } = await workspace();
    await writeFile(join(ws, 'big.bin'), '');
    await truncate(join(ws, 'big.bin'), 512 * 1024 ** 2);
    const ctl = new AbortController();
    const copying = collectArtifacts(ws, ['*'], dest, { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('job timed out')), 20);
    await assert.rejects(copying, /abort|timed out/i);
    await assert.rejects(stat(dest), { code: 'ENOENT' });
  });
});
