import { type ChildProcess, spawn } from 'node:child_process';
import { SlipwayError } from './errors.js';
import { hostSpawn } from './host-spawn/index.js';
import { log } from './log.js';

/**
 * How a host tool runs: never through a shell, started by the spawn helper (host-spawn/);
 * stdin is closed unless `input` is given.
 */
export interface ToolOptions {
  cwd?: string;
  /** The tool's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** SIGKILL the tool after this long (default: no limit); it then counts as a failure. */
  timeoutMs?: number;
}

/** A finished tool: exit code (128 when killed by a signal) and its whole output. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Finished = ToolResult & { signal: NodeJS.Signals | null };

function collect(cmd: string, args: string[], opts: ToolOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = hostSpawn(cmd, args, {
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new SlipwayError(`cannot run ${cmd}: ${e.message}`, { category: 'internal', cause: e }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}

/**
 * Runs a host tool (mount, runc, ip, tar, skopeo…) to completion. Resolves with the exit code
 * and output; a non-zero exit is data here. Rejects only when the tool cannot be started.
 */
export async function tryTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  const { signal: _, ...result } = await collect(cmd, args, opts);
  return result;
}

/**
 * Runs a host tool to completion and returns its stdout. A non-zero exit (or a kill) rejects
 * with an internal SlipwayError naming the command line and carrying the end of its stderr.
 */
export async function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<string> {
  const r = await collect(cmd, args, opts);
  if (r.code === 0) return r.stdout;
  const line = [cmd, ...args].join(' ');
  const shown = line.length > 300 ? `${line.slice(0, 300)}…` : line;
  const tail = r.stderr.trim().split('\n').slice(-15).join('\n');
  throw new SlipwayError(`\`${shown}\` failed (${r.signal ?? `exit ${r.code}`})${tail ? `: ${tail}` : ''}`, {
    category: 'internal',
    context: { command: line.slice(0, 500), exitCode: r.code },
  });
}

/** A long-lived child (Redis, the registry, a test's dockerd) that its owner must stop(). */
export interface OwnedProcess {
  readonly child: ChildProcess;
  /** Output collected so far (stdout+stderr, the last 16 KiB), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `cmd` as a child owned by this process. The owner calls `stop()`; as a last resort
 * every live child gets SIGKILL when this process exits (process.exit or an uncaught error),
 * so a crashed test or `slipway up` leaves no servers behind. A SIGKILL of the owner itself
 * cannot be caught: children outlive it then. `name` labels the debug log line.
 */
export function spawnOwned(cmd: string, args: string[], opts: { name: string }): OwnedProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      log.debug({ name: opts.name, code, signal }, 'owned process exited');
      resolve();
    });
    child.once('error', (err) => {
      live.delete(child);
      out += `\n${err.message}`;
      resolve();
    });
  });
  return {
    child,
    output: () => out,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) return await exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether a process `pid` exists on this host (one this process may not signal counts too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
