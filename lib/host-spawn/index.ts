import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { mkfifoSyscall } from '../libc.js';
import { log } from '../log.js';
import { type HelperRequest, SpawnHelper } from './helper.js';

/**
 * Host commands (runc, ip, iptables, mount, git…) started without forking this process.
 *
 * Node's spawn forks: for a Node process of a hundred megabytes that is a few milliseconds of CPU
 * and an event loop stopped until the child has exec'd, on every command of a job's path. Here a
 * small helper process (helper-script.ts, started once) forks and execs each command instead, and
 * this process only writes a line and opens two FIFOs. Where the helper cannot run (no perl, no
 * mkfifo(3) through koffi), Node's spawn is used, with the same result.
 */
export type { HelperRequest as HostSpawnOptions } from './helper.js';

const logger = log.child({ component: 'spawn-helper' });
const DIR_PREFIX = 'slipway-spawn-';

let helper: SpawnHelper | undefined;
let dir: string | undefined;
let available: boolean | undefined;

/**
 * Starts `cmd` with `args`: stdin from `input` (else /dev/null), stdout and stderr as pipes, in
 * `cwd`, with `env` as its whole environment (default: this process's as it is now). The child
 * is a ChildProcess to its caller (`stdin` is null): `exit` and `close` give (code, signal), a
 * command that cannot be started emits `error` (ENOENT when it does not exist). The caller owns
 * the child as it would one from spawn.
 */
export function hostSpawn(cmd: string, args: readonly string[], opts: HelperRequest = {}): ChildProcess {
  const argv: [string, ...string[]] = [cmd, ...args];
  const h = currentHelper();
  if (h) {
    try {
      return h.start(argv, opts) as unknown as ChildProcess;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'spawn helper unusable; using spawn');
      available = false;
    }
  }
  return nodeSpawn(argv, opts);
}

/** `argv` through Node's own spawn, with hostSpawn's stdio. */
export function nodeSpawn(argv: [string, ...string[]], opts: HelperRequest): ChildProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) {
    child.stdin?.on('error', () => {}); // a command that exits without reading its input
    child.stdin?.end(opts.input);
  }
  return child;
}

/** The helper for new commands: made on first use, again when this process's environment changed. */
function currentHelper(): SpawnHelper | undefined {
  if (available === undefined) available = canRunHelper();
  if (!available) return undefined;
  const key = JSON.stringify(process.env);
  if (helper?.usable && helper.envKey === key) return helper;
  helper?.retire();
  dir ??= helperDir();
  helper = new SpawnHelper(dir, { ...process.env }, key);
  return helper;
}

function canRunHelper(): boolean {
  if (process.platform !== 'linux' || process.env.SLIPWAY_SPAWN_HELPER === '0') return false;
  const perl = (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, 'perl'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  const probe = join(fifoBase(), `${DIR_PREFIX}probe-${process.pid}`);
  const fifo = mkfifoSyscall(probe, 0o600) === 0;
  rmSync(probe, { force: true });
  if (!perl || !fifo) logger.debug({ perl, fifo }, 'no spawn helper; host commands use spawn');
  return perl && fifo;
}

/**
 * Where the FIFO dirs go: /dev/shm (tmpfs) when it is a writable dir, else the temp dir. Every
 * command makes and removes two FIFOs, and on an ext4 /tmp that cost 140 µs of CPU per FIFO
 * against 11 µs on tmpfs (2-core VM, loaded).
 */
function fifoBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK | constants.X_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** This process's FIFO dir (owner-only), removed at exit; those of processes gone are swept first. */
function helperDir(): string {
  const base = fifoBase();
  for (const name of readdirSync(base)) {
    const pid = /^slipway-spawn-(\d+)-/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) rmSync(join(base, name), { recursive: true, force: true });
  }
  const made = mkdtempSync(join(base, `${DIR_PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  return made;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
