import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../lib/net.js';
import { connectRedis } from '../lib/redis.js';
import { testRedis } from './helpers/redis.js';
import { spawnSlipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

/** `slipway server` as an operator starts it: Redis checks, health, errors, a clean stop. */
describe('slipway server', () => {
  it('warns loudly about a Redis without AOF or with eviction, serves, and stops cleanly on SIGTERM', async () => {
    const redis = await testRedis();
    const admin = connectRedis(redis.url, 'test');
    await admin.config('SET', 'appendonly', 'no');
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await admin.quit();
    const port = await freePort();
    const server = spawnSlipway([
      'server',
      '--listen',
      `127.0.0.1:${port}`,
      '--redis',
      redis.url,
      '--data-dir',
      await tempDir('server-start'),
    ]);
    await server.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    assert.match(server.output(), /WARNING: Redis has appendonly no: runs, queued jobs and logs are lost/);
    assert.match(server.output(), /WARNING: Redis has maxmemory-policy allkeys-lru/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const missing = await fetch(`http://127.0.0.1:${port}/api/nothing-here`);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys((await missing.json()) as object), ['error', 'message']);
    const stopAt = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exited;
    assert.equal(code, 0, server.output());
    assert.ok(at - stopAt < 5_000, `took ${at - stopAt} ms to stop`);
  });

  it('refuses a bad --listen and an unreachable Redis with one clear line each', async () => {
    const bad = spawnSlipway(['server', '--listen', 'localhost', '--data-dir', await tempDir('server-bad')]);
    assert.equal((await bad.exited).code, 1);
    assert.match(
      bad.output(),
      /error: --listen takes HOST:PORT \(e\.g\. 127\.0\.0\.1:8080\), got "localhost"/,
    );
    const port = await freePort();
    const gone = spawnSlipway([
      'server',
      '--redis',
      `redis://127.0.0.1:${port}`,
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      await tempDir('server-gone'),
    ]);
    assert.equal((await gone.exited).code, 1);
    assert.match(
      gone.output(),
      new RegExp(`error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} within 10 s`),
    );
  });
});
