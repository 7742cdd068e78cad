import { type ChildProcess, spawn } from 'node:child_process';
import { log } from '../log.js';

/**
 * A child server process owned by Slipway (Redis, the registry). The owner calls `stop()`;
 * as a last resort every live child is killed when this process exits, so a crashed test or
 * `slipway up` never leaves servers behind.
 */
export interface OwnedProcess {
  readonly child: ChildProcess;
  /** Output collected so far (stdout+stderr, capped), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function spawnOwned(cmd: string, args: string[], name: string): OwnedProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const collect = (b: Buffer) => {
    out = (out + b.toString()).slice(-16_384);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      log.debug({ name, code, signal }, 'owned process exited');
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
