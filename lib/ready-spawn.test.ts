import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { READY_AGAIN_AFTER_MS, type ReadySpawner, readySpawner } from './ready-spawn.js';

/** Exit code, stdout and stderr of `child`. */
function finished(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })));
}

/** A child started by `pool` from its waiting shell (the first use of a pool makes that shell). */
async function fromWaitingShell(pool: ReadySpawner, cmd: string, args: string[], cwd?: string) {
  await finished(pool.spawn('true', []));
  await sleep(READY_AGAIN_AFTER_MS + 200);
  const child = pool.spawn(cmd, args, cwd ? { cwd } : {});
  assert.equal(child.spawnargs[0], '/bin/sh', 'started from the waiting shell');
  return child;
}

const TRICKY = ["it's", '"quoted"', '$(touch /tmp/x)', '`id`', 'a b\tc', '; exit 3', '*', '', '\\n', '--'];

describe('readySpawner', () => {
  it('passes every argument verbatim, evaluating none', async () => {
    const pool = readySpawner(process.env);
    const r = await finished(await fromWaitingShell(pool, 'printf', ['[%s]\\n', ...TRICKY]));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, TRICKY.map((a) => `[${a}]\n`).join(''));
  });

  it("runs in the given dir with the pool's environment and stdin at /dev/null", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "ready spawn 'dir' ")));
    const pool = readySpawner({ PATH: process.env.PATH, POOL_VAR: 'pool value' });
    const child = await fromWaitingShell(
      pool,
      'sh',
      ['-c', 'pwd; echo "$POOL_VAR"; cat; echo "[$HOME]"'],
      dir,
    );
    const r = await finished(child);
    assert.equal(r.out, `${dir}\npool value\n[]\n`);
  });

  it('reports the exit code and stderr of the command, 127 for one that does not exist', async () => {
    const pool = readySpawner(process.env);
    const failed = await finished(await fromWaitingShell(pool, 'sh', ['-c', 'echo why >&2; exit 7']));
    assert.deepEqual([failed.code, failed.err], [7, 'why\n']);
    const missing = await finished(await fromWaitingShell(pool, 'no-such-command-anywhere', []));
    assert.equal(missing.code, 127);
    assert.match(missing.err, /no-such-command-anywhere/);
  });

  it('gives the command the child itself: its pid, and a kill ends it', async () => {
    const pool = readySpawner(process.env);
    const child = await fromWaitingShell(pool, 'sleep', ['30']);
    await sleep(100);
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(cmdline.slice(0, 2), ['sleep', '30']);
    const started = Date.now();
    child.kill('SIGTERM');
    const r = await finished(child);
    assert.equal(r.code, null);
    assert.ok(Date.now() - started < 2000);
  });

  it('starts with spawn when no shell waits or an argument holds a newline, with the same result', async () => {
    const pool = readySpawner(process.env);
    const first = pool.spawn('printf', ['%s', 'first']);
    assert.notEqual(first.spawnargs[0], '/bin/sh');
    assert.equal((await finished(first)).out, 'first');
    await sleep(READY_AGAIN_AFTER_MS + 200);
    const multiline = pool.spawn('printf', ['%s', 'two\nlines']);
    assert.notEqual(multiline.spawnargs[0], '/bin/sh');
    assert.equal((await finished(multiline)).out, 'two\nlines');
    // The shell still waits for the next command.
    const next = pool.spawn('printf', ['%s', 'next']);
    assert.equal(next.spawnargs[0], '/bin/sh');
    assert.equal((await finished(next)).out, 'next');
  });

  it('keeps no process alive: a program that used a pool exits on its own, and its waiting shell ends', async () => {
    const script = [
      `import { readySpawner } from ${JSON.stringify(new URL('./ready-spawn.ts', import.meta.url).pathname)};`,
      'const pool = readySpawner(process.env);',
      "pool.spawn('true', []).on('close', () => setTimeout(() => console.log('used'), 600));",
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const r = await finished(child);
    clearTimeout(timer);
    assert.deepEqual([r.code, r.out], [0, 'used\n'], r.err);
  });
});
