import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { mirrorCommit } from '../lib/git.js';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type PrefetchHint, wireKeys } from '../pipelines/index.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { prefetchOnHints } from '../runner/worker/prefetch.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { testRedis } from './helpers/redis.js';
import { tempDir } from './helpers/tmp.js';

// A runner with a free slot fetches a pushed commit into its warm mirror before any job asks.

let redis: Redis;
before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
});
after(() => redis.quit());

const hint = (url: string, commit: string) =>
  redis.publish(wireKeys.prefetchChannel, JSON.stringify({ version: 1, url, commit } satisfies PrefetchHint));
const has = (mirror: string, commit: string) => {
  try {
    return git(mirror, 'cat-file', '-t', commit) === 'commit';
  } catch {
    return false;
  }
};
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

test('a free runner prefetches into a warm mirror; a busy one, or a cold mirror, does not', async () => {
  const repo = await testGitRepo({ 'a.txt': 'one' });
  const dataDir = await tempDir('prefetch-data');
  const mirror = dataDirPaths.runnerMirror(dataDir, repo.dir);
  await mirrorCommit(mirror, repo.dir, repo.sha);
  let free = false;
  const prefetch = prefetchOnHints(redis, dataDir, () => free);
  try {
    await new Promise((r) => setTimeout(r, 200)); // subscribed
    // A commit on a side branch, hinted while busy: never fetched (checked once a later hint,
    // fetched after it in the same mirror's queue, is done).
    git(repo.dir, 'checkout', '-q', '-b', 'side');
    const busyCommit = await repo.commit({ 'b.txt': 'two' });
    git(repo.dir, 'checkout', '-q', 'main');
    await hint(repo.dir, busyCommit);
    await new Promise((r) => setTimeout(r, 200));
    free = true;
    await redis.publish(wireKeys.prefetchChannel, 'not json');
    await redis.publish(
      wireKeys.prefetchChannel,
      JSON.stringify({ version: 1, url: repo.dir, commit: 'HEAD' }),
    );
    const next = await repo.commit({ c: 'three' });
    await hint(repo.dir, next);
    assert.ok(await eventually(() => has(mirror, next), 10_000), 'the commit was not prefetched');
    assert.equal(has(mirror, busyCommit), false, 'a busy runner fetched');
    // A repository this runner never ran a job of gets no mirror.
    const other = await testGitRepo({ 'x.txt': 'x' });
    await hint(other.dir, other.sha);
    assert.equal(
      await eventually(() => existsSync(dataDirPaths.runnerMirror(dataDir, other.dir)), 500),
      false,
    );
  } finally {
    prefetch.close();
  }
});
