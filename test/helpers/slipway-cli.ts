import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Runs the `slipway` CLI of this checkout (bin/slipway.mjs) with `args`, colors off and logs at
 * warn; resolves with the exit code and stdout and stderr interleaved as they arrived. Never
 * rejects on a non-zero exit: the code is the result.
 */
export function slipway(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/slipway.mjs'), ...args], {
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}
