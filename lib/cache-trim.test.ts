import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test/helpers/tmp.js';
import { cacheTrimmer, trimCache } from './cache-trim.js';

// A server's local copies of registry content stay under their size: the least recently used
// go first, while what was just written or read, and fetches in progress, stay.

const MB = 2 ** 20;
const now = Date.now();
const at = (path: string, minutesAgo: number) => {
  const t = new Date(now - minutesAgo * 60_000);
  return utimes(path, t, t);
};

describe('a local cache kept under its size', () => {
  it('removes the least recently used entries (files and dirs) until it fits, never a fresh or hidden one', async () => {
    const dir = await tempDir('cache-trim');
    await writeFile(join(dir, 'old.log'), Buffer.alloc(3 * MB));
    await mkdir(join(dir, 'older-dir/sub'), { recursive: true });
    await writeFile(join(dir, 'older-dir/sub/a'), Buffer.alloc(2 * MB));
    await writeFile(join(dir, 'recent.log'), Buffer.alloc(3 * MB));
    await writeFile(join(dir, 'fresh.log'), Buffer.alloc(3 * MB));
    await writeFile(join(dir, '.123.tmp'), Buffer.alloc(5 * MB));
    await at(join(dir, 'older-dir'), 50);
    await at(join(dir, 'old.log'), 40);
    await at(join(dir, 'recent.log'), 10);
    const r = await trimCache(dir, 7 * MB, 60_000, now);
    assert.deepEqual((await readdir(dir)).sort(), ['.123.tmp', 'fresh.log', 'recent.log']);
    assert.deepEqual(r, { removed: 2, freedBytes: 5 * MB, keptBytes: 6 * MB });
    // Over the limit with only fresh entries left: they stay.
    assert.equal((await trimCache(dir, 1 * MB, 20 * 60_000, now)).removed, 0);
    assert.deepEqual((await readdir(dir)).sort(), ['.123.tmp', 'fresh.log', 'recent.log']);
  });

  it('an entry used again is removed last', async () => {
    const dir = await tempDir('cache-trim');
    for (const [name, ago] of [
      ['a', 30],
      ['b', 20],
    ] as const) {
      await writeFile(join(dir, name), Buffer.alloc(MB));
      await at(join(dir, name), ago);
    }
    const trimmer = cacheTrimmer(dir, { maxBytes: MB, graceMs: 0, intervalMs: 0 });
    await trimmer.used(join(dir, 'a'));
    trimmer.added();
    for (let i = 0; i < 100 && (await readdir(dir)).length > 1; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await readdir(dir), ['a']);
  });
});
