import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mkfifoSyscall } from '../libc.js';
import { log } from '../log.js';
import { HELPER_SCRIPT } from './helper-script.js';
import { HostChild } from './host-child.js';

const logger = log.child({ component: 'spawn-helper' });

/** How often the pids of a dead helper's commands are checked until they are gone. */
const ORPHAN_POLL_MS = 200;

/** Request ids, unique in this process: helpers share one dir for their FIFOs and input files. */
let nextId = 0;

/** A request field: never empty, so an empty value stays an empty value. */
const hex = (s: string | Buffer) => `x${Buffer.from(s).toString('hex')}`;

/**
 * Commands found on a PATH, by PATH and name (only those found: a missing one is looked for
 * again); forgotten whenever a command could not be started, so one that moved is found anew.
 */
const found = new Map<string, string>();

/**
 * `name`'s path on `path` (the first executable `dir/name`), or `name` itself when it holds a
 * "/" or is on none of them: the helper's exec then searches as before, and fails the same way.
 * A job's commands are a few programs started thousands of times; without this each start tried
 * every PATH entry before the one holding it (a dozen failed execve under npm).
 */
function onPath(name: string, path: string | undefined): string {
  if (name.includes('/') || !path) return name;
  const key = `${path}\0${name}`;
  const hit = found.get(key);
  if (hit) return hit;
  for (const dir of path.split(':')) {
    if (!dir.startsWith('/')) continue; // a relative entry depends on the cwd: left to the exec
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      found.set(key, `${dir}/${name}`);
      return `${dir}/${name}`;
    } catch {}
  }
  return name;
}

/** What a command is started with: as `hostSpawn`'s options (index.ts). */
export interface HelperRequest {
  cwd?: string;
  /** The command's whole environment; default: the helper's (`env` it was made with). */
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
}

/**
 * One running spawn helper (helper-script.ts) and the commands it started. Its FIFOs and input
 * files live in `dir` (owner-only; the caller owns it). Lifecycle: made with the environment
 * its commands inherit; `retire()` lets it end once its last command has ended (a newer helper
 * takes new commands); when it dies early, each command still running is reported ended (exit
 * 255) once its pid is gone. The helper process never keeps this process alive by itself.
 */
export class SpawnHelper {
  private readonly proc: ChildProcess;
  private readonly children = new Map<string, HostChild>();
  private retired = false;
  private dead = false;

  constructor(
    private readonly dir: string,
    /** The environment the helper and its commands without an `env` of their own get. */
    private readonly env: NodeJS.ProcessEnv,
    /** `env` as JSON: the caller's check that it is still its environment. */
    readonly envKey: string,
  ) {
    this.proc = spawn('perl', ['-e', HELPER_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin?.on('error', () => {});
    this.proc.once('error', (err) => this.died(err.message));
    this.proc.once('exit', (code, signal) => this.died(`exited (${signal ?? code})`));
    createInterface({ input: this.proc.stdout as NodeJS.ReadableStream }).on('line', (l) => this.event(l));
    createInterface({ input: this.proc.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      logger.warn({ line }, 'spawn helper'),
    );
    this.idle();
  }

  /** Whether this helper takes new commands. */
  get usable(): boolean {
    return !this.dead && !this.retired;
  }

  /** Starts `argv` through the helper; throws (nothing started) when its FIFOs cannot be made. */
  start(argv: [string, ...string[]], req: HelperRequest): HostChild {
    const id = (nextId++).toString(36);
    const [out, err, input] = ['o', 'e', 'i'].map((s) => join(this.dir, `${id}.${s}`)) as [
      string,
      string,
      string,
    ];
    for (const fifo of [out, err]) {
      const errno = mkfifoSyscall(fifo, 0o600);
      if (errno !== 0) {
        this.forget(id);
        throw new Error(`cannot make the FIFO ${fifo}: errno ${errno}`);
      }
    }
    const child = new HostChild(argv[0], argv, out, err);
    if (req.input !== undefined) writeFileSync(input, req.input, { mode: 0o600 });
    const env = req.env
      ? Object.entries(req.env)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${v}\0`)
          .join('')
      : undefined;
    const fields = [
      hex(out),
      hex(err),
      req.input !== undefined ? hex(input) : '-',
      req.cwd ? hex(req.cwd) : '-',
      env !== undefined ? hex(env) : '-',
      hex(onPath(argv[0], (req.env ?? this.env).PATH)),
      ...argv.map(hex),
    ];
    this.children.set(id, child);
    this.busy();
    this.proc.stdin?.write(`${id} ${fields.join(' ')}\n`);
    return child;
  }

  /** Takes no new commands; ends once the last one has. */
  retire(): void {
    this.retired = true;
    if (this.children.size === 0) this.proc.stdin?.end();
  }

  private event(line: string): void {
    const [kind, id = '', a = '', ...rest] = line.split(' ');
    const child = this.children.get(id);
    if (!child) return;
    if (kind === 'p') child.started(Number(a));
    else if (kind === 'e') {
      found.clear(); // a found command may have moved: the next start looks again
      child.failed(Number(a), rest.join(' '));
    } else if (kind === 'f') {
      this.forget(id);
      child.failed(Number(a), rest.join(' '));
      child.exited(0);
    } else if (kind === 'x') {
      this.forget(id, child.exitCode === null); // started: it unlinked its files itself
      child.exited(Number(a));
    }
  }

  /** Drops `id`, and what it left in the dir unless it `started` (then it unlinked its files itself). */
  private forget(id: string, started = false): void {
    this.children.delete(id);
    if (!started) for (const s of ['o', 'e', 'i']) rmSync(join(this.dir, `${id}.${s}`), { force: true });
    if (this.children.size === 0) {
      this.idle();
      if (this.retired) this.proc.stdin?.end();
    }
  }

  private busy(): void {
    for (const s of [this.proc, this.proc.stdout, this.proc.stderr]) (s as { ref?: () => void })?.ref?.();
  }

  private idle(): void {
    for (const s of [this.proc, this.proc.stdin, this.proc.stdout, this.proc.stderr])
      (s as { unref?: () => void })?.unref?.();
  }

  private died(why: string): void {
    if (this.dead) return;
    this.dead = true;
    if (this.children.size === 0) return;
    logger.warn(
      { why, running: this.children.size },
      'the spawn helper ended; its commands are followed by pid',
    );
    const timer = setInterval(() => {
      for (const [id, child] of this.children) {
        if (child.pid !== undefined && existsSync(`/proc/${child.pid}`)) continue;
        this.forget(id);
        child.exited(255 << 8);
      }
      if (this.children.size === 0) clearInterval(timer);
    }, ORPHAN_POLL_MS);
  }
}
