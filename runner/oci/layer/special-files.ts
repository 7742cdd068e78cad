import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setAttribute } from 'fs-xattr';

const run = promisify(execFile);

/**
 * Creates a whiteout (character device 0/0) or a fifo at `path`, whose parent the caller has
 * verified and whose name the caller has cleared.
 *
 * Why a child process: Node exposes no mknod(2)/mkfifo(3), and the only npm addons for them
 * are unmaintained. Whiteouts and fifos are rare in real layers (a handful per image), so
 * spawning coreutils' `mknod` (present on every Debian host, and it never follows a symlink
 * at the final component: mknod fails with EEXIST) costs a few ms where it matters little,
 * and adds no native code to audit. Needs root (CAP_MKNOD) for the device.
 */
export async function makeNode(path: string, kind: 'whiteout' | 'fifo'): Promise<void> {
  const args = kind === 'whiteout' ? ['-m', '0', '--', path, 'c', '0', '0'] : ['-m', '0644', '--', path, 'p'];
  try {
    await run('mknod', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`mknod ${kind} failed: ${stderr || (err as Error).message}`);
  }
}

/** Marks a directory opaque for overlayfs: its lower layers' contents are hidden. */
export async function markOpaque(dirPath: string): Promise<void> {
  await setAttribute(dirPath, 'trusted.overlay.opaque', 'y');
}
