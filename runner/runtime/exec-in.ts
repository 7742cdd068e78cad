import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciRuntime } from './container.js';
import type { ExecResult } from './types.js';

/** Output kept of an exec'd command (the end of it). */
const OUTPUT_TAIL = 4096;
/** Time between the TERM that runc passes on and the KILL of runc itself. */
const KILL_GRACE_MS = 1000;

let execCount = 0;

/**
 * Runs `/bin/sh -c script` in the running container `id` (bundle in `dir`) with `runc exec` (or
 * crun's): the new process joins the container's namespaces and cgroup, and its process spec is
 * the container's own (user and groups, env, working dir, capabilities, rlimits,
 * noNewPrivileges; the seccomp filter is the container's) with only the arguments replaced —
 * runtimes differ in what they inherit otherwise (crun would run it as root). So it can do no
 * more than the container itself. stdin is closed. Never rejects: a command that cannot be
 * started reports runc's exit code and message. On timeout or abort, TERM is passed to the
 * command and runc is killed after a grace period.
 */
export function execInContainer(
  rt: OciRuntime,
  id: string,
  dir: string,
  script: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<ExecResult> {
  const processFile = join(dir, `exec-${process.pid}-${++execCount}.json`);
  const { process: proc } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    process: Record<string, unknown>;
  };
  writeFileSync(processFile, JSON.stringify({ ...proc, terminal: false, args: ['/bin/sh', '-c', script] }));
  return new Promise<ExecResult>((resolve) => {
    const started = Date.now();
    const child = spawn(rt.binary, ['--root', rt.stateDir, 'exec', '--process', processFile, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-OUTPUT_TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.exitCode !== null || killTimer) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', stop, { once: true });
    const finish = (exitCode: number) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', stop);
      resolve({ exitCode, timedOut, output, durationMs: Date.now() - started });
    };
    child.once('error', (err) => {
      output = `${rt.binary} exec: ${err.message}`;
      finish(127);
    });
    child.once('close', (code, sig) => finish(code ?? (sig ? 137 : 1)));
  }).finally(() => rmSync(processFile, { force: true }));
}
