import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from './errors.js';
import { runTool, spawnOwned, tryTool } from './proc.js';

/** True while `pid` is a live process (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; await sleep(50)) {
    if (!alive(pid)) return true;
  }
  return !alive(pid);
}

describe('runTool', () => {
  it('returns stdout, with input on stdin, env and cwd', async () => {
    assert.equal(await runTool('sh', ['-c', 'echo out; echo noise >&2']), 'out\n');
    assert.equal(await runTool('cat', [], { input: 'piped' }), 'piped');
    assert.equal(await runTool('sh', ['-c', 'echo "$X"'], { env: { X: 'from env' } }), 'from env\n');
    assert.equal(await runTool('pwd', [], { cwd: '/tmp' }), '/tmp\n');
  });

  it('throws an internal SlipwayError with the command line and stderr on a non-zero exit', async () => {
    await assert.rejects(runTool('sh', ['-c', 'echo broken pipe dream >&2; exit 3']), (err: unknown) => {
      assert.ok(err instanceof SlipwayError);
      assert.equal(err.category, 'internal');
      assert.match(
        err.message,
        /^`sh -c echo broken pipe dream >&2; exit 3` failed \(exit 3\): broken pipe dream$/,
      );
      assert.equal(err.context.exitCode, 3);
      return true;
    });
  });

  it('throws when the tool cannot be started', async () => {
    await assert.rejects(runTool('/nonexistent/tool', []), /cannot run \/nonexistent\/tool: .*ENOENT/);
  });

  it('kills the tool after timeoutMs and reports the signal', async () => {
    const started = Date.now();
    await assert.rejects(runTool('sleep', ['30'], { timeoutMs: 200 }), /`sleep 30` failed \(SIGKILL\)/);
    assert.ok(Date.now() - started < 5000);
  });
});

describe('tryTool', () => {
  it('resolves with the exit code and both outputs, without throwing', async () => {
    const r = await tryTool('sh', ['-c', 'echo so far; echo File exists >&2; exit 2']);
    assert.deepEqual(r, { code: 2, stdout: 'so far\n', stderr: 'File exists\n' });
    assert.equal((await tryTool('true', [])).code, 0);
  });
});

describe('spawnOwned', () => {
  it('stop() ends the child, and a second stop() resolves too', async () => {
    const owned = spawnOwned('sh', ['-c', 'echo started; exec sleep 1000'], { name: 'test' });
    const pid = owned.child.pid!;
    while (!owned.output().includes('started')) await sleep(20);
    assert.ok(alive(pid));
    await owned.stop();
    assert.ok(!alive(pid));
    await owned.stop();
    assert.match(owned.output(), /started/);
  });

  it('stop() escalates to SIGKILL after the grace period', async () => {
    const owned = spawnOwned('sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 1; done"], {
      name: 'stubborn',
    });
    while (!owned.output().includes('ready')) await sleep(20);
    const started = Date.now();
    await owned.stop(300);
    assert.ok(owned.child.signalCode === 'SIGKILL');
    assert.ok(Date.now() - started < 5000);
  });

  for (const ending of ['process.exit(0)', "throw new Error('owner crashed')"]) {
    it(`the child is killed when its owner ends with ${ending}`, async () => {
      const script = `
        import { spawnOwned } from ${JSON.stringify(new URL('./proc.ts', import.meta.url).href)};
        const owned = spawnOwned('sleep', ['1000'], { name: 'orphan' });
        console.log(owned.child.pid);
        setTimeout(() => { ${ending}; }, 100);
      `;
      const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      owner.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      await new Promise((resolve) => owner.once('close', resolve));
      const pid = Number(out.trim());
      assert.ok(pid > 0, `owner printed a pid: ${out}`);
      const ended = await gone(pid, 3000);
      if (!ended) process.kill(pid, 'SIGKILL');
      assert.ok(ended, `child ${pid} outlived its owner`);
    });
  }
});
