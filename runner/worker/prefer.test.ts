import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { connectRedis, type Redis } from '../../lib/redis.js';
import { PREFER_WAIT_MS, type RunnerHeartbeat, wireKeys } from '../../pipelines/index.js';
import { onCleanup } from '../../test/helpers/cleanup.js';
import { testRedis } from '../../test/helpers/redis.js';
import { leaveToPreferred } from './prefer.js';

// A job whose image another runner built is left to that runner only while it could take the
// job at once; otherwise the runner offered it runs it (the preference never strands a job).

let redis: Redis;
const now = Date.now();
const job = {
  prefer: { runner: 'builder', image: 'reg/app:1', builtBy: 'build', until: now + PREFER_WAIT_MS },
};
const beat = (b: Partial<RunnerHeartbeat>) =>
  redis.hset(
    wireKeys.runners,
    'builder',
    JSON.stringify({
      name: 'builder',
      labels: ['linux'],
      concurrency: 2,
      running: [],
      lastSeen: now,
      draining: false,
      ...b,
    }),
  );

before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
  onCleanup(() => redis.quit());
});

describe('a job that prefers the runner that built its image', () => {
  it('is left to that runner while it is online with a slot free and every label', async () => {
    await beat({});
    assert.equal(await leaveToPreferred(redis, job, 'other', ['linux'], now), true);
    assert.equal(
      await leaveToPreferred(redis, job, 'builder', ['linux'], now),
      false,
      'the runner itself takes it',
    );
  });

  it('is run by the runner offered it when the preferred one cannot take it now', async () => {
    const cases: Array<[string, Partial<RunnerHeartbeat>, string[], number]> = [
      ['all its slots busy', { running: ['a-1', 'b-1'] }, ['linux'], now],
      ['draining', { draining: true }, ['linux'], now],
      ['offline (no heartbeat for 20 s)', { lastSeen: now - 20_000 }, ['linux'], now],
      ['without a label the job asks for', {}, ['linux', 'gpu'], now],
      ['the preference expired', {}, ['linux'], now + PREFER_WAIT_MS + 1],
    ];
    for (const [why, b, labels, at] of cases) {
      await beat(b);
      assert.equal(await leaveToPreferred(redis, job, 'other', labels, at), false, why);
    }
    await redis.hdel(wireKeys.runners, 'builder');
    assert.equal(await leaveToPreferred(redis, job, 'other', ['linux'], now), false, 'no heartbeat at all');
    await redis.hset(wireKeys.runners, 'builder', '{not json');
    assert.equal(await leaveToPreferred(redis, job, 'other', ['linux'], now), false, 'a broken heartbeat');
    assert.equal(await leaveToPreferred(redis, { prefer: { runner: 'x' } }, 'other', ['linux'], now), false);
  });
});
