import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type CiSystem, startCiSystem } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';

// Two runners with separate data dirs share job caches through the registry: a cache written
// by a job on runner A is restored for the next run's job on runner B.

let ci: CiSystem;

before(async () => {
  ci = await startCiSystem();
  const shared = ['--cache-registry', `${ci.registry.host}/slipway/cache`];
  await ci.startRunner('cache-a', ['--labels', 'linux,a', ...shared]);
  await ci.startRunner('cache-b', ['--labels', 'linux,b', ...shared]);
});

const pipeline = (runner: string) =>
  `image: busybox:latest\njobs:\n  deps:\n    runs-on: [${runner}]\n    cache:\n      key: deps-v1\n      paths: [deps]\n    steps:\n      - run: if [ -f deps/made ]; then echo "cache hit $(cat deps/made)"; else od -An -N8 -tx1 /dev/urandom | tr -d " \\\\n" > deps/made; echo "cache miss, made $(cat deps/made)"; fi\n`;

const logOf = async (jobId: string) =>
  (
    await fetch(`${ci.url}/api/jobs/${jobId}/log`, { headers: { authorization: `Bearer ${ci.token}` } })
  ).text();

describe('job caches shared through the registry', () => {
  it("a cache written on runner A is restored by the next run's job on runner B", async () => {
    const { bare } = await ci.addRepo('github', 'acme/cached');
    const work = await testGitRepo({ '.slipway.yml': pipeline('a') });
    git(work.dir, 'push', '-q', bare, 'main');
    const [first] = await ci.finishedRuns('acme/cached', 1);
    assert.equal(first?.status, 'success');
    const firstLog = await logOf(first?.jobs[0] as string);
    const made = /cache miss, made ([0-9a-f]{16})/.exec(firstLog)?.[1];
    assert.ok(made, firstLog);
    assert.match(firstLog, /cache deps-v1 shared \(/);

    await writeFile(join(work.dir, '.slipway.yml'), pipeline('b'));
    git(work.dir, 'commit', '-qam', 'on runner b');
    git(work.dir, 'push', '-q', bare, 'main');
    const [second] = await ci.finishedRuns('acme/cached', 2);
    assert.equal(second?.status, 'success');
    const secondLog = await logOf(second?.jobs[0] as string);
    assert.match(secondLog, /cache deps-v1 \(restored from the registry \(branch\/main\)\)/);
    assert.match(secondLog, new RegExp(`cache hit ${made}`));
    assert.match(secondLog, /cache deps-v1 unchanged: the shared copy stays/);
  });
});
