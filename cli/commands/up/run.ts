import { join } from 'node:path';
import { startRedis } from '../../../lib/daemons/redis.js';
import { startRegistry } from '../../../lib/daemons/registry.js';
import { freePort } from '../../../lib/net.js';
import { packageRoot } from '../../../lib/package-root.js';
import { dataDirPaths, defaultDataDir } from '../../../runner/data-dir.js';
import { openRunnerHost } from '../../../runner/host.js';
import { cancellableBySignals } from '../../local/cancel.js';
import { loadRepository, runRepository } from '../../local/run-repository.js';
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
    const code = await runDemo(dataDir, opts.pipeline ?? DEMO, registry.host);
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

/** Makes sure the busybox base image is there, then runs the demo pipeline on the runner host. */
async function runDemo(dataDir: string, repository: string, ownRegistry: string): Promise<number> {
  // Its own registry is on loopback: jobs may use it; no other host-local address.
  const host = await openRunnerHost({ dataDir, hostRegistries: [ownRegistry] });
  const lease = await host.lease();
  try {
    if (lease.sole) await host.gc();
    const base = await ensureBusyboxImage(host);
    console.log(`image     ${base.ref} ${base.built ? 'built from busybox-static' : 'already in the store'}`);
    const loaded = await loadRepository(repository);
    if (!loaded) return 1;
    const deps = { host, runtime: await host.runtime() };
    const { value, cancelled } = await cancellableBySignals((signal) =>
      runRepository(repository, loaded, { deps, event: { event: 'push' }, signal }),
    );
    return cancelled ? 130 : value;
  } finally {
    await lease.release();
  }
}
