import { type EmbeddedRedis, startRedis } from '../../lib/daemons/redis.js';
import { freePort } from '../../lib/net.js';
import { onCleanup } from './cleanup.js';
import { requireBinary } from './requirements.js';
import { tempDir } from './tmp.js';

/**
 * Starts a private redis-server on a free port with its own temp dir, stopped (and the dir
 * removed) after the test file, pass or fail. Fails clearly when redis-server is missing.
 */
export async function testRedis(): Promise<EmbeddedRedis> {
  requireBinary('redis-server', 'redis-server');
  const redis = await startRedis({ dataDir: await tempDir('redis'), port: await freePort() });
  onCleanup(() => redis.stop());
  return redis;
}
