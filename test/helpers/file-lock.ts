import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Holds an exclusive flock(2) on `path` while `fn` runs, so concurrent test processes (even in
 * other node processes) serialise on it. The lock is held by a `flock` child whose stdin is our
 * pipe: it is released when `fn` settles, and by the kernel if this process dies.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  timeoutMs = 30 * 60_000,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const holder = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => holder.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for lock ${path}`)), timeoutMs);
      holder.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      holder.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`flock ${path}: ${e.message}`));
      });
      holder.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`flock ${path} exited (${code}) before taking the lock`));
      });
    });
    return await fn();
  } finally {
    holder.stdin.end(); // cat sees EOF, exits, and the lock goes with it
    await exited;
  }
}
