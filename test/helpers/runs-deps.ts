import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../lib/redis.js';
import { bullJobQueue } from '../../server/queue/index.js';
import type { RunsDeps } from '../../server/runs/index.js';
import { makeKeyring, RepoStore } from '../../server/store/index.js';
import { onCleanup } from './cleanup.js';
import { testRedis } from './redis.js';
import { tempDir } from './tmp.js';

/**
 * The orchestration's deps over a private Redis: a connection, a RepoStore with a fresh key,
 * the BullMQ job queue and a server data dir; all closed or removed after the test file.
 * Statuses are not reported (`publicUrl` points nowhere).
 */
export async function testRunsDeps(): Promise<RunsDeps> {
  const server = await testRedis();
  const redis = connectRedis(server.url, 'test');
  onCleanup(() => redis.quit());
  const repos = new RepoStore(redis, makeKeyring(randomBytes(32)));
  const queue = bullJobQueue(redis);
  onCleanup(() => queue.close());
  return { redis, queue, repos, dataDir: await tempDir('server'), publicUrl: 'http://127.0.0.1:9' };
}
