import { mkfifoSyscall } from '../../lib/libc.js';
import { runTool } from '../../lib/proc.js';

/**
 * Makes a FIFO at `path` (which must not exist), owner-only: mkfifo(3) in-process, or the
 * `mkfifo` tool where the call is unavailable. An error names the path.
 */
export async function makeFifo(path: string): Promise<void> {
  const errno = mkfifoSyscall(path, 0o600);
  if (errno === undefined) {
    await runTool('mkfifo', ['-m', '600', '--', path]);
    return;
  }
  if (errno !== 0) throw new Error(`cannot make the FIFO ${path}: errno ${errno}`);
}
