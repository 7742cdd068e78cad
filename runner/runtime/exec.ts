import { execFile } from 'node:child_process';
import { SlipwayError } from '../../lib/errors.js';

/**
 * Runs a host tool (mount, umount, runc) to completion and returns its stdout; a non-zero exit
 * throws an internal SlipwayError carrying the command and its stderr.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new SlipwayError(
              `${cmd} ${args.slice(0, 3).join(' ')} failed: ${String(stderr).trim() || err.message}`,
              {
                category: 'internal',
                context: { command: [cmd, ...args].join(' ').slice(0, 500) },
                cause: err,
              },
            ),
          );
        } else resolve(String(stdout));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
