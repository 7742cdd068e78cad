import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../lib/redis.js';
import type { Executor } from '../../runner/executor/index.js';
import { startRunnerWorker } from '../../runner/worker/index.js';
import { bullJobQueue, consumeReports } from '../../server/queue/index.js';
import { applyReports, type RunsDeps } from '../../server/runs/index.js';
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

/**
 * A small fleet over `deps`: the reports consumer applying reports, and runners `names` with
 * labels [linux] and one slot each, running `executor` (a scripted one: no root) with a log
 * that keeps nothing. All stopped after the test file.
 */
export async function startScriptedFleet(
  deps: RunsDeps,
  executor: Executor,
  names: readonly string[] = ['r1', 'r2'],
): Promise<void> {
  const consumer = consumeReports(deps.redis, (batch) => applyReports(deps, batch));
  onCleanup(() => consumer.close());
  for (const name of names) {
    const runner = await startRunnerWorker({
      redis: deps.redis,
      name,
      labels: ['linux'],
      concurrency: 1,
      dataDir: await tempDir(name),
      executorFor: () => executor,
      openLog: async () => ({
        write: () => undefined,
        writeLines: () => undefined,
        ready: () => undefined,
        flush: async () => undefined,
        close: async () => undefined,
      }),
      discoverMs: 100,
    });
    onCleanup(() => runner.stop(1_000));
  }
}
