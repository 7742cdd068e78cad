import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { testRedis } from './helpers/redis.js';
import { testRegistry } from './helpers/registry.js';

describe('test helpers talk to real servers', () => {
  it('testRedis answers PING and keeps AOF on', async () => {
    const server = await testRedis();
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      assert.equal(await client.ping(), 'PONG');
      const aof = (await client.config('GET', 'appendonly')) as string[];
      assert.deepEqual(aof, ['appendonly', 'yes']);
    } finally {
      client.disconnect();
    }
  });

  it('testRegistry without auth answers /v2/ with 200', async () => {
    const reg = await testRegistry();
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 200);
  });

  it('testRegistry in htpasswd mode refuses anonymous and wrong passwords, accepts its user', async () => {
    const reg = await testRegistry('htpasswd');
    const creds = reg.credentials!;
    const anon = await fetch(`${reg.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="slipway"/);
    const basic = (u: string, p: string) => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
    });
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic(creds.username, 'nope') })).status, 401);
    assert.equal(
      (await fetch(`${reg.url}/v2/`, { headers: basic(creds.username, creds.password) })).status,
      200,
    );
  });
});
