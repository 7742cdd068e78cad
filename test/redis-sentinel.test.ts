import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis } from '../lib/daemons/redis.js';
import { freePort, waitForTcp } from '../lib/net.js';
import { spawnOwned } from '../lib/proc.js';
import { connectRedis } from '../lib/redis.js';
import { createApiToken } from '../server/store/index.js';
import { onCleanup } from './helpers/cleanup.js';
import { requireBinary } from './helpers/requirements.js';
import { slipway, spawnSlipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

// Redis behind Sentinel: `slipway server --redis redis+sentinel://…/main` finds the master
// through the Sentinel, and after a failover writes go on to the new master by themselves.

const cli = (...args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile('redis-cli', args, (err, out, errOut) =>
      err ? reject(new Error(errOut || err.message)) : resolve(out),
    ),
  );

describe('Redis behind Sentinel', () => {
  it('the server works through a redis+sentinel:// URL and goes on after a failover', async () => {
    requireBinary('redis-server', 'redis-server');
    requireBinary('redis-cli', 'redis-tools');
    const [masterPort, replicaPort, sentinelPort, serverPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const master = await startRedis({ dataDir: await tempDir('sentinel-m'), port: masterPort });
    onCleanup(() => master.stop());
    const replica = await startRedis({
      dataDir: await tempDir('sentinel-r'),
      port: replicaPort,
      args: ['--replicaof', '127.0.0.1', String(masterPort)],
    });
    onCleanup(() => replica.stop());
    const conf = join(await tempDir('sentinel-s'), 'sentinel.conf');
    await writeFile(
      conf,
      `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor main 127.0.0.1 ${masterPort} 1\nsentinel down-after-milliseconds main 1000\nsentinel failover-timeout main 5000\n`,
    );
    const sentinel = spawnOwned('redis-server', [conf, '--sentinel'], { name: 'sentinel' });
    onCleanup(() => sentinel.stop());
    await waitForTcp('127.0.0.1', sentinelPort, 10_000);
    for (
      let i = 0;
      !(await cli('-p', String(replicaPort), 'info', 'replication')).includes('master_link_status:up');
      i++
    ) {
      assert.ok(i < 100, 'the replica follows the master');
      await sleep(100);
    }

    const url = `redis+sentinel://127.0.0.1:${sentinelPort}/main`;
    const admin = connectRedis(url, 'test');
    onCleanup(() => admin.disconnect());
    const token = await createApiToken(admin, 'admin');
    const server = spawnSlipway([
      'server',
      '--listen',
      `127.0.0.1:${serverPort}`,
      '--redis',
      url,
      '--data-dir',
      await tempDir('sentinel-server'),
    ]);
    onCleanup(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });
    await server.waitFor(/listening on/, 30_000);
    const env = { SLIPWAY_SERVER: `http://127.0.0.1:${serverPort}`, SLIPWAY_TOKEN: token };
    const add = (name: string) =>
      slipway(
        [
          'repo',
          'add',
          name,
          '--clone-url',
          '/nowhere.git',
          '--forge',
          'github',
          '--webhook-secret',
          'webhook-secret-1',
        ],
        env,
      );
    const before = await add('acme/before');
    assert.equal(before.code, 0, before.out);

    await cli('-p', String(sentinelPort), 'sentinel', 'failover', 'main');
    for (let i = 0; ; i++) {
      const [, port] = (
        await cli('-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'main')
      ).split('\n');
      if (port === String(replicaPort)) break;
      assert.ok(i < 100, 'the Sentinel promotes the replica');
      await sleep(100);
    }
    const after = await add('acme/after');
    assert.equal(after.code, 0, after.out);
    const onNewMaster = await cli('-p', String(replicaPort), 'smembers', '{slipway}:repos');
    assert.match(onNewMaster, /acme\/after/);
    assert.match(onNewMaster, /acme\/before/);
  });
});
