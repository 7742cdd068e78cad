import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from '../../test/helpers/cleanup.js';
import { type HostSpawnOptions, hostSpawn, nodeSpawn } from './index.js';

/** Exit code, signal, stdout and stderr of `child`, and the error it emitted. */
function finished(child: ChildProcess) {
  let out = '';
  let err = '';
  let error: NodeJS.ErrnoException | undefined;
  child.stdout?.on('data', (b: Buffer) => {
    out += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b;
  });
  child.once('error', (e) => {
    error = e;
  });
  return new Promise<{
    code: number | null;
    signal: string | null;
    out: string;
    err: string;
    error?: NodeJS.ErrnoException;
  }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, out, err, ...(error ? { error } : {}) })),
  );
}

/** The perl helpers this process runs (children of this process). */
function helperPids(): number[] {
  const kids = readdirSync('/proc/self/task').flatMap((t) =>
    readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return kids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'perl';
    } catch {
      return false;
    }
  });
}

const TRICKY = [
  "it's",
  '"quoted"',
  '$(touch /tmp/x)',
  '`id`',
  'a b\tc',
  'two\nlines',
  '; exit 3',
  '*',
  '',
  '--',
];

const ways: [string, (cmd: string, args: string[], opts?: HostSpawnOptions) => ChildProcess][] = [
  ['the spawn helper', (cmd, args, opts) => hostSpawn(cmd, args, opts)],
  ["Node's spawn", (cmd, args, opts = {}) => nodeSpawn([cmd, ...args], opts)],
];

for (const [name, start] of ways)
  describe(`host commands through ${name} (one contract)`, () => {
    it('passes every argument verbatim, evaluating none', async () => {
      const r = await finished(start('printf', ['[%s]\\n', ...TRICKY]));
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, TRICKY.map((a) => `[${a}]\n`).join(''));
    });

    it('runs in its dir with exactly its environment, stdin from its input or /dev/null', async () => {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), "host spawn 'dir' ")));
      const script = 'pwd; echo "$ONLY_VAR"; echo "[$HOME]"; cat';
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ONLY_VAR: 'multi\nline' };
      const r = await finished(start('sh', ['-c', script], { cwd: dir, env, input: 'from stdin\n' }));
      assert.equal(r.out, `${dir}\nmulti\nline\n[]\nfrom stdin\n`);
      const none = await finished(start('sh', ['-c', 'cat; echo done']));
      assert.equal(none.out, 'done\n');
    });

    it('reports the exit code and stderr; a command that does not exist is an ENOENT error', async () => {
      const failed = await finished(start('sh', ['-c', 'echo why >&2; exit 7']));
      assert.deepEqual([failed.code, failed.signal, failed.err], [7, null, 'why\n']);
      const missing = await finished(start('no-such-command-anywhere', []));
      assert.equal(missing.error?.code, 'ENOENT');
      assert.match(missing.error?.message ?? '', /no-such-command-anywhere/);
    });

    it('is the command itself: its pid, default signal handling, and a kill ends it', async () => {
      const child = start('sleep', ['30']);
      for (let i = 0; i < 100 && child.pid === undefined; i++) await sleep(10);
      await sleep(50);
      assert.deepEqual(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').slice(0, 2), [
        'sleep',
        '30',
      ]);
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      assert.match(status, /^SigIgn:\s+0+$/m, 'no signal ignored (SIGINT, SIGPIPE…)');
      assert.match(status, /^SigBlk:\s+0+$/m, 'none blocked');
      child.kill('SIGTERM');
      const r = await finished(child);
      assert.deepEqual([r.code, r.signal], [null, 'SIGTERM']);
    });

    it('a kill right after the start ends the command', async () => {
      const child = start('sleep', ['30']);
      assert.equal(child.kill('SIGKILL'), true);
      const r = await finished(child);
      assert.equal(r.signal, 'SIGKILL');
    });

    it('carries a large output on both streams whole, and many commands at once each their own', async () => {
      const big = await finished(start('sh', ['-c', 'head -c 1048576 /dev/zero | tr "\\0" a; echo end >&2']));
      assert.equal(big.out.length, 1_048_576);
      assert.equal(big.err, 'end\n');
      const many = await Promise.all(
        Array.from({ length: 40 }, (_, i) => finished(start('sh', ['-c', `echo ${i}; exit ${i % 5}`]))),
      );
      assert.deepEqual(
        many.map((r) => [r.out, r.code]),
        Array.from({ length: 40 }, (_, i) => [`${i}\n`, i % 5]),
      );
    });
  });

describe('the spawn helper', () => {
  it('forks the commands itself: this process has one helper child, not one per command', async () => {
    const children = await Promise.all(Array.from({ length: 5 }, () => hostSpawn('sleep', ['0.3'])));
    await sleep(100);
    const helpers = helperPids();
    assert.equal(helpers.length, 1, `helpers: ${helpers}`);
    for (const c of children) {
      const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1];
      assert.equal(Number(ppid), helpers[0], "each command is the helper's child");
    }
    await Promise.all(children.map(finished));
  });

  it('follows a change of this process’s environment', async () => {
    await finished(hostSpawn('true', []));
    process.env.HOST_SPAWN_LATE = 'set later';
    try {
      const r = await finished(hostSpawn('sh', ['-c', 'echo "$HOST_SPAWN_LATE"']));
      assert.equal(r.out, 'set later\n');
    } finally {
      delete process.env.HOST_SPAWN_LATE;
    }
  });

  it('starts a command from the first PATH entry holding it as an executable, and finds one put there later', async () => {
    const root = mkdtempSync(join(tmpdir(), 'host-spawn-path-'));
    onCleanup(() => rmSync(root, { recursive: true, force: true }));
    const [empty, holder, later] = ['empty', 'holder', 'later'].map((d) => join(root, d)) as [
      string,
      string,
      string,
    ];
    for (const d of [empty, holder, later]) mkdirSync(d);
    writeFileSync(join(empty, 'probe-cmd'), 'not executable\n', { mode: 0o644 });
    writeFileSync(join(holder, 'probe-cmd'), '#!/bin/sh\necho "$0 $*"\n', { mode: 0o755 });
    const env = { PATH: `${empty}:${holder}:/usr/bin:/bin` };
    const r = await finished(hostSpawn('probe-cmd', ['a b'], { env }));
    assert.equal(r.out, `${holder}/probe-cmd a b\n`);
    const missing = await finished(hostSpawn('late-cmd', [], { env: { PATH: `${later}:/usr/bin:/bin` } }));
    assert.equal(missing.error?.code, 'ENOENT');
    writeFileSync(join(later, 'late-cmd'), '#!/bin/sh\necho late\n', { mode: 0o755 });
    const found = await finished(hostSpawn('late-cmd', [], { env: { PATH: `${later}:/usr/bin:/bin` } }));
    assert.equal(found.out, 'late\n');
    // Moved to a later PATH entry after it was found: still started, from where it is now.
    renameSync(join(holder, 'probe-cmd'), join(later, 'probe-cmd'));
    const moved = await finished(
      hostSpawn('probe-cmd', ['c'], { env: { PATH: `${empty}:${holder}:${later}` } }),
    );
    assert.equal(moved.out, `${later}/probe-cmd c\n`);
  });

  it('killed with kill -9: a command it ran still reports its end, and the next command runs', async () => {
    const running = hostSpawn('sh', ['-c', 'sleep 0.5; echo done']);
    const result = finished(running);
    await sleep(100);
    for (const pid of helperPids()) process.kill(pid, 'SIGKILL');
    const r = await result;
    assert.equal(r.out, 'done\n', 'its output still arrives');
    assert.equal(r.code, 255, 'its status is unknown once its parent is gone');
    const next = await finished(hostSpawn('echo', ['again']));
    assert.deepEqual([next.code, next.out], [0, 'again\n']);
  });

  it('keeps no process alive: a script that ran a command exits by itself', async () => {
    const script = `import { hostSpawn } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
      hostSpawn('true', []).once('close', (code) => console.log('closed', code));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const r = await Promise.race([finished(child), sleep(20_000).then(() => undefined)]);
    child.kill('SIGKILL');
    assert.ok(r, 'the script did not exit within 20 s');
    assert.equal(r.out, 'closed 0\n', r.err);
    assert.equal(r.code, 0);
  });
});
