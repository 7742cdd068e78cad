import { type EmbeddedRedis, startRedis } from '../../lib/daemons/redis.js';
import { freePort } from '../../lib/net.js';
import { onCleanup } from './cleanup.js';
import { requireBinary } from './requirements.js';
import { tempDir } from './tmp.js';

/**
 * Starts a private redis-server on a free port with its own temp dir, stopped (and the dir
 * removed) after the test file, pass or fail. Fails clearly when redis-server is missing.
 */
export async function testRedis(): Promise<EmbeddedRedis & { restart(downMs?: number): Promise<void> }> {
  requireBinary('redis-server', 'redis-server');
  const opts = { dataDir: await tempDir('redis'), port: await freePort() };
  let redis = await startRedis(opts);
  onCleanup(() => redis.stop());
  return {
    url: redis.url,
    port: redis.port,
    stop: () => redis.stop(),
    /** Stops it (SIGTERM: the AOF is flushed), waits `downMs`, starts it again on its files and port. */
    async restart(downMs = 1000) {
      await redis.stop();
      await new Promise((r) => setTimeout(r, downMs));
      redis = await startRedis(opts);
    },
  };
}
