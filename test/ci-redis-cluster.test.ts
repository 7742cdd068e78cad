import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { KEY_PREFIX } from '../pipelines/index.js';
import { type CiSystem, startCiSystem } from './helpers/ci-system.js';
import { assertDiamond } from './helpers/diamond.js';

// The whole system on a 3-master Redis Cluster: the server, two runners and the test itself
// connect through a redis+cluster:// URL; the diamond runs as it does on one Redis.

let ci: CiSystem;

before(async () => {
  ci = await startCiSystem({ cluster: true });
  for (const name of ['cluster-1', 'cluster-2']) await ci.startRunner(name);
});

describe('on a 3-master Redis Cluster', () => {
  it('the diamond runs end to end: the middle jobs at once on two runners, the last after both', async (t) => {
    assert.match(ci.redisUrl, /^redis\+cluster:\/\/(127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+$/);
    await assertDiamond(ci, 'acme/diamond-cluster');
    // Every key of Slipway's (records, queues, logs) sits in the one slot of its hash tag.
    const masters = (ci.redis as unknown as Cluster).nodes('master');
    assert.equal(masters.length, 3);
    const slot = Number(await ci.redis.call('CLUSTER', 'KEYSLOT', KEY_PREFIX));
    const perNode = await Promise.all(masters.map(async (m) => Number(await m.dbsize())));
    const inSlot = await Promise.all(
      masters.map(async (m) => Number(await m.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))),
    );
    const total = perNode.reduce((a, b) => a + b, 0);
    assert.ok(total > 10, `the run left keys: ${perNode.join(', ')}`);
    assert.equal(
      inSlot.reduce((a, b) => a + b, 0),
      total,
      `every key is in slot ${slot}`,
    );
    t.diagnostic(`${total} keys, all in slot ${slot}; per master: ${perNode.join(', ')}`);
  });
});
