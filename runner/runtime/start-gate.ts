import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeFifo } from '../rootfs/index.js';

/** One OCI runtime hook (config.json `hooks.*[]`). */
export interface OciHook {
  path: string;
  args: string[];
  env: string[];
  timeout: number;
}

/**
 * What holds a container between its creation and its process: a `createRuntime` hook that
 * waits on a FIFO in the container's dir. runc and crun run that hook once the namespaces,
 * cgroup and mounts are made, before pivot_root and exec, so everything slow about a start
 * happens while the gate is shut. Lifecycle: made before the bundle is written; `release`
 * once; `close` after the container ended (the FIFO's buffer lives while this end is open).
 */
export interface StartGate {
  hook: OciHook;
  /** Lets the process start (true), or makes the container's creation fail (false). Idempotent. */
  release(go: boolean): void;
  /** Closes this end of the FIFO. Idempotent. */
  close(): void;
}

/**
 * A gate in the container dir `dir`. The hook (the host's /bin/sh, no environment but PATH)
 * reads one line and succeeds only on "go"; after `timeoutMs` the runtime kills it and the
 * start fails. The FIFO is opened read-write here, so neither side ever blocks on open.
 */
export async function makeStartGate(dir: string, timeoutMs: number): Promise<StartGate> {
  const fifo = join(dir, 'start-gate');
  await makeFifo(fifo);
  let fd: number | undefined = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  let released = false;
  return {
    hook: {
      path: '/bin/sh',
      args: ['sh', '-c', 'read -r gate < "$1" && [ "$gate" = go ]', 'start-gate', fifo],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    },
    release(go) {
      if (released || fd === undefined) return;
      released = true;
      writeSync(fd, go ? 'go\n' : 'no\n');
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
