import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { connectRedis, type Redis } from '../lib/redis.js';
import { readJson, readJsonMany, updateJson } from '../server/store/index.js';
import { onCleanup } from './helpers/cleanup.js';
import { testRedis } from './helpers/redis.js';

// Records are what Redis keeps of every finished run: a large one is stored compressed, and
// reads, many-reads and compare-and-set updates see the same values as for plain JSON.

const Schema = z.strictObject({ id: z.string(), env: z.record(z.string(), z.string()), n: z.number() });
const big = {
  id: 'job-1',
  env: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`CI_VARIABLE_${i}`, `value number ${i}`])),
  n: 1,
};
let redis: Redis;

before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
  onCleanup(() => redis.quit());
});

describe('JSON records in Redis', () => {
  it('stores a large record compressed and reads, lists and updates it as it was', async () => {
    await redis.set('k:small', JSON.stringify({ id: 'plain', env: {}, n: 0 })); // as an earlier version wrote it
    await redis.set('k:big', JSON.stringify(big));
    const written = await updateJson(redis, 'k:big', Schema, (v) => ({ ...v, n: v.n + 1 }));
    assert.equal(written?.changed, true);
    const raw = (await redis.getBuffer('k:big')) as Buffer;
    const json = JSON.stringify({ ...big, n: 2 });
    assert.ok(raw.length * 2 < json.length, `stored in ${raw.length} bytes, its JSON is ${json.length}`);
    assert.deepEqual(await readJson(redis, 'k:big', Schema), { ...big, n: 2 });
    const again = await updateJson(redis, 'k:big', Schema, (v) => (v.n === 2 ? { ...v, n: 3 } : undefined));
    assert.equal(again?.value.n, 3, 'a compare-and-set over the compressed value');
    assert.equal((await updateJson(redis, 'k:big', Schema, () => undefined))?.changed, false);
    const many = await readJsonMany(redis, ['k:small', 'k:none', 'k:big'], Schema);
    assert.deepEqual(
      many.map((v) => [v.id, v.n]),
      [
        ['plain', 0],
        ['job-1', 3],
      ],
    );
  });
});
