import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs `cmd args` to completion, collecting stdout/stderr. Rejects with the command line, exit
 * code and stderr tail when it exits non-zero (unless `allowFail`). No shell is involved.
 */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; allowFail?: boolean; input?: string } = {},
): Promise<RunResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.once('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.once('close', (code, signal) => {
      const result = {
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        code: code ?? 128,
      };
      if (result.code !== 0 && !opts.allowFail) {
        const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
        reject(
          new Error(`\`${[cmd, ...args].join(' ')}\` failed (${signal ?? `exit ${result.code}`}):\n${tail}`),
        );
      } else resolve(result);
    });
  });
}
