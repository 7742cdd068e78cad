import { join } from 'node:path';
import { startRedis } from '../../../lib/daemons/redis.js';
import { startRegistry } from '../../../lib/daemons/registry.js';
import { freePort } from '../../../lib/net.js';
import { packageRoot } from '../../../lib/package-root.js';
import { dataDirPaths, defaultDataDir } from '../../../runner/data-dir.js';
import { execCommand } from '../exec/run.js';
import { ensureBusyboxImage } from './base-image.js';

const DEMO = join(packageRoot(), 'pipelines/examples/demo');

/** Port `preferred` when it is free, else any free port. */
async function portNear(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return await new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(freePort()));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}

/**
 * Brings the local system up: an embedded Redis (AOF on) and registry under the data dir, the
 * busybox base image in the store (built from busybox-static when missing), then runs the demo
 * pipeline (or `--pipeline DIR`) on the runc engine. Stays up until Ctrl-C unless `--once`.
 * Returns the exit code (the pipeline's result).
 */
export async function upCommand(opts: {
  dataDir?: string;
  pipeline?: string;
  once?: boolean;
}): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('error: slipway up runs containers with runc and needs root');
    return 1;
  }
  const dataDir = opts.dataDir ?? defaultDataDir();
  const redis = await startRedis({ dataDir: dataDirPaths.redis(dataDir), port: await portNear(6379) });
  const registry = await startRegistry({
    dataDir: dataDirPaths.registry(dataDir),
    port: await portNear(5000),
  });
  const stop = async () => {
    await Promise.all([redis.stop(), registry.stop()]);
  };
  try {
    console.log(`redis     ${redis.url}  (data in ${dataDirPaths.redis(dataDir)})`);
    console.log(
      `registry  ${registry.url}  (push with: slipway push busybox:latest ${registry.host}/busybox)`,
    );
    const base = await ensureBusyboxImage(dataDir);
    console.log(`image     ${base.ref} ${base.built ? 'built from busybox-static' : 'already in the store'}`);
    const code = await execCommand(opts.pipeline ?? DEMO, { event: 'push', runtime: 'runc', dataDir });
    if (opts.once) return code;
    console.log('\nSlipway is up. Press Ctrl-C to stop Redis and the registry.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return code;
  } finally {
    await stop();
  }
}
