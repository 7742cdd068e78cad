import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A held flock(2). `release()` drops it; idempotent. */
export interface FileLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** `exclusive` (default) or `shared` (any number of shared holders, no exclusive one). */
  mode?: 'exclusive' | 'shared';
  /** Wait for the lock (default). With false, `lockFile` resolves `undefined` when it is held. */
  wait?: boolean;
  /** Give up waiting after this long (default 30 minutes). */
  timeoutMs?: number;
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
}

const BUSY = 75;

/**
 * Takes a flock(2) on `path` (created with its parent dir when missing). It works across
 * processes and within one: the lock is held by a `flock` child whose stdin is our pipe, so it
 * goes away on `release()` and, through the kernel, when this process dies.
 */
export async function lockFile(path: string, opts: LockOptions = {}): Promise<FileLock | undefined> {
  await mkdir(dirname(path), { recursive: true });
  const args = [opts.mode === 'shared' ? '--shared' : '--exclusive'];
  if (opts.wait === false) args.push('--nonblock', '--conflict-exit-code', String(BUSY));
  const holder = spawn('flock', [...args, path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => holder.once('close', (code) => resolve(code)));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    holder.stdin.end(); // cat sees EOF, exits, and the lock goes with it
    await exited;
  };
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const acquired = await new Promise<boolean>((resolve, reject) => {
    const fail = (err: Error) => {
      cleanup();
      holder.kill('SIGKILL');
      reject(err);
    };
    const onAbort = () => fail(opts.signal?.reason ?? new Error(`stopped waiting for lock ${path}`));
    const timer = setTimeout(() => fail(new Error(`timed out waiting for lock ${path}`)), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    holder.stdout.once('data', () => {
      cleanup();
      resolve(true);
    });
    holder.once('error', (e) => fail(new Error(`flock ${path}: ${e.message}`)));
    exited.then((code) => {
      cleanup();
      if (code === BUSY && opts.wait === false) resolve(false);
      else reject(new Error(`flock ${path} exited (${code}) before taking the lock`));
    });
  });
  if (!acquired) return undefined;
  return { release };
}

/** Holds an exclusive lock on `path` while `fn` runs (waits for it; see `lockFile`). */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const lock = (await lockFile(path, { timeoutMs }))!;
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
