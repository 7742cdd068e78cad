import { mkdir } from 'node:fs/promises';
import { SlipwayError } from '../errors.js';
import { waitForTcp } from '../net.js';
import { spawnOwned } from '../proc.js';

/** A redis-server that Slipway started and owns. `stop()` shuts it down (data stays in dataDir). */
export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` bound to 127.0.0.1:port with AOF on and its files in `dataDir`
 * (created if missing), `args` added (e.g. cluster mode). Resolves once it accepts
 * connections; fails with its output otherwise.
 */
export async function startRedis(opts: {
  dataDir: string;
  port: number;
  args?: string[];
}): Promise<EmbeddedRedis> {
  await mkdir(opts.dataDir, { recursive: true });
  const args = [
    '--port',
    String(opts.port),
    '--bind',
    '127.0.0.1',
    '--dir',
    opts.dataDir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    ...(opts.args ?? []),
  ];
  const proc = spawnOwned('redis-server', args, { name: 'redis' });
  try {
    await Promise.race([
      waitForTcp('127.0.0.1', opts.port, 10_000),
      new Promise((_, reject) => proc.child.once('exit', () => reject(new Error('redis-server exited')))),
    ]);
  } catch (err) {
    await proc.stop();
    throw new SlipwayError(
      `could not start redis-server on port ${opts.port} (is the redis-server package installed?): ${proc.output().trim() || (err as Error).message}`,
      { category: 'internal', cause: err },
    );
  }
  return { url: `redis://127.0.0.1:${opts.port}`, port: opts.port, stop: () => proc.stop() };
}
