import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

const slipwayBin = new URL('../../bin/slipway.mjs', import.meta.url).pathname;

/** A running `slipway` command (no colours, warn-level logs) with its output as it arrives. */
export interface SlipwayProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as read. */
  output(): string;
  /** Resolves with the time (Date.now()) at which `pattern` first appeared; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<number>;
  /** Resolves with the exit code (1 when killed by a signal) and when it exited. */
  exited: Promise<{ code: number; at: number }>;
}

/**
 * Starts `slipway ...args` from this checkout's sources (`env` added). The caller waits for
 * `exited`. `$SLIPWAY_NODE_ARGS` (space-separated) go to node first: a benchmark profiles
 * the processes with `--cpu-prof --cpu-prof-dir=DIR`, which NODE_OPTIONS does not allow.
 */
export function spawnSlipway(args: string[], env: Record<string, string> = {}): SlipwayProcess {
  const nodeArgs = (process.env.SLIPWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, slipwayBin, ...args], {
    env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const seen: Array<() => void> = [];
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const check of [...seen]) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number; at: number }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? 1, at: Date.now() })),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out)) return;
        seen.splice(seen.indexOf(check), 1);
        clearTimeout(timer);
        resolve(Date.now());
      };
      const timer = setTimeout(() => {
        seen.splice(seen.indexOf(check), 1);
        reject(new Error(`${pattern} did not appear within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      seen.push(check);
      check();
    });
  return { child, output: () => out, waitFor, exited };
}

/**
 * Runs the `slipway` CLI of this checkout (bin/slipway.mjs) with `args`, colors off and logs at
 * warn; resolves with the exit code and stdout and stderr interleaved as they arrived. Never
 * rejects on a non-zero exit: the code is the result.
 */
export async function slipway(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const p = spawnSlipway(args, env);
  const { code } = await p.exited;
  return { code, out: p.output() };
}

/**
 * Runs the `slipway` CLI of this checkout to completion with stdout and stderr kept apart
 * (colors off, logs at warn unless `env` says otherwise); never rejects on a non-zero exit.
 */
export function slipwayCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [slipwayBin, ...args], {
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (b) => (out += b));
    child.stderr?.on('data', (b) => (err += b));
    child.on('exit', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

/** `slipwayCli` for quick commands (lint, plan, --help), synchronously, from the repo root. */
export function slipwaySync(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [slipwayBin, ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
