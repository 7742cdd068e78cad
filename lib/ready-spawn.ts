import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Host commands started through a shell that was started ahead and waits to `exec` one
 * command line. Forking this process (a Node process of a hundred megabytes) costs several
 * milliseconds of CPU on each side; a waiting shell turns the start of a command into one
 * small exec, so a command on a job's way to its first step (a runtime's `run`, a fetch)
 * starts sooner and takes less from the rest of the host.
 *
 * The command keeps the shell's pid, stdio pipes and exit: to its caller it is the child
 * `spawn` would have made, with stdin at /dev/null. Arguments travel single-quoted and are
 * never evaluated. Lifecycle: a pool holds at most one waiting shell per environment, made
 * READY_AGAIN_AFTER_MS after the last one was taken (never on the way to the command that took
 * it) and on first use; when none is waiting, or an argument holds a newline, `spawn` is used.
 * A waiting shell keeps no process alive and ends when this process does (its stdin closes).
 */
export interface ReadySpawner {
  /** Starts `cmd` with `args` in `cwd` (default: this process's), stdio [/dev/null, pipe, pipe]. */
  spawn(cmd: string, args: readonly string[], opts?: { cwd?: string }): ChildProcess;
}

/** How long after a waiting shell is taken the next one is started. */
export const READY_AGAIN_AFTER_MS = 300;

/** Reads one line and runs it; the line ends in `exec`, so the shell becomes the command. */
const WAIT_SCRIPT = 'IFS= read -r line || exit 0; eval "$line"';

/** `s` as one single-quoted shell word. */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A pool for commands that run with environment `env` (the whole of it). */
export function readySpawner(env: NodeJS.ProcessEnv): ReadySpawner {
  let waiting: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  const startWaiting = () => {
    timer = undefined;
    const shell = spawn('/bin/sh', ['-c', WAIT_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const gone = () => {
      if (waiting === shell) waiting = undefined;
    };
    shell.once('error', gone);
    shell.once('exit', gone);
    shell.stdin?.on('error', () => {});
    for (const s of [shell, shell.stdin, shell.stdout, shell.stderr])
      (s as { unref?: () => void })?.unref?.();
    waiting = shell;
  };
  const later = () => {
    if (timer || waiting) return;
    timer = setTimeout(startWaiting, READY_AGAIN_AFTER_MS);
    timer.unref();
  };
  return {
    spawn(cmd, args, opts = {}) {
      const shell = waiting;
      const line = [cmd, ...args, ...(opts.cwd ? [opts.cwd] : [])];
      if (!shell || shell.exitCode !== null || cmd.startsWith('-') || line.some((a) => a.includes('\n'))) {
        later();
        return spawn(cmd, [...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      }
      waiting = undefined;
      later();
      for (const s of [shell, shell.stdin, shell.stdout, shell.stderr]) (s as { ref?: () => void })?.ref?.();
      const cd = opts.cwd ? `cd -- ${shellWord(opts.cwd)} && ` : '';
      shell.stdin?.end(`${cd}exec ${[cmd, ...args].map(shellWord).join(' ')} </dev/null\n`);
      return shell;
    },
  };
}
