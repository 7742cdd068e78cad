import { spawn } from 'node:child_process';
import { SlipwayError } from '../../../lib/errors.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host tool (ip, iptables, a CNI plugin) without a shell, with `input` on stdin, and
 * kills it after `timeoutMs`. Resolves with the exit code; never throws for a non-zero exit
 * (callers decide which failures matter). Throws only when the binary cannot be started.
 */
export async function exec(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.once('error', (e) =>
      reject(new SlipwayError(`cannot run ${cmd}: ${e.message}`, { category: 'internal', cause: e })),
    );
    child.once('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

/** Like `exec`, but throws an internal SlipwayError naming the command when it exits non-zero. */
export async function execOk(cmd: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) {
    throw new SlipwayError(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim()}`, {
      category: 'internal',
      context: { command: `${cmd} ${args.join(' ')}` },
    });
  }
  return r.stdout;
}
