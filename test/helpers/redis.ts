import { execFile } from 'node:child_process';
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

/**
 * Starts a Redis Cluster of three masters (no replicas) on free ports, each a private
 * redis-server with AOF, joined with `redis-cli --cluster create`; resolves once every node
 * says `cluster_state:ok`. `url` is a `redis+cluster://` URL of all three. Stopped after the file.
 */
export async function testRedisCluster(): Promise<{ url: string; ports: number[] }> {
  requireBinary('redis-server', 'redis-server');
  requireBinary('redis-cli', 'redis-tools');
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '5000',
    ];
    const node = await startRedis({ dataDir: await tempDir('redis-cluster'), port, args });
    onCleanup(() => node.stop());
    ports.push(port);
  }
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
  for (const deadline = Date.now() + 30_000; ; ) {
    const states = await Promise.all(
      ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info'])),
    );
    if (states.every((s) => s.includes('cluster_state:ok'))) break;
    if (Date.now() > deadline)
      throw new Error(`the Redis Cluster did not become ready:\n${states.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `redis+cluster://${nodes.join(',')}`, ports };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}
