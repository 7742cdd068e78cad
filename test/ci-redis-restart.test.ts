import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { getJobs, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';

// Redis (AOF on) restarted while a job runs: server and runner reconnect by themselves, the run
// completes, its log is whole, and no run disappears from the API.

let ci: CiSystem;
before(async () => {
  ci = await startCiSystem();
  await ci.startRunner('restart-1');
});

test('Redis restarted mid-run: the run completes with its whole log; every run is still listed', async () => {
  const { bare } = await ci.addRepo('github', 'acme/redis-restart');
  const work = await testGitRepo({
    '.slipway.yml':
      'image: busybox:latest\njobs:\n  long:\n    steps:\n      - run: for i in $(seq 1 8); do echo "tick $i"; sleep 0.5; done\n',
  });
  git(work.dir, 'push', '-q', bare, 'main');
  await ci.finishedRuns('acme/redis-restart', 1, 90_000);
  await work.commit({ 'second.txt': 'x\n' }, 'second');
  git(work.dir, 'push', '-q', bare, 'main');
  const run = await until('the second run', async () =>
    (await listRuns(ci.redis, 'acme/redis-restart')).find((r) => r.number === 2),
  );
  await until('its step to run', async () => {
    const [job] = await getJobs(ci.redis, run.jobs);
    return job?.steps[0]?.status === 'running' ? job : undefined;
  });
  await ci.restartRedis(1500);
  const [done] = await ci.finishedRuns('acme/redis-restart', 2, 90_000);
  assert.equal(done?.status, 'success');
  const listed = (await ci.api('GET', '/api/repos/acme/redis-restart/runs')).body as {
    runs: { number: number }[];
  };
  assert.deepEqual(listed.runs.map((r) => r.number).sort(), [1, 2], 'no run disappeared');
  const [job] = await getJobs(ci.redis, run.jobs);
  const log = await (
    await fetch(`${ci.url}/api/jobs/${job?.id}/log`, { headers: { authorization: `Bearer ${ci.token}` } })
  ).text();
  const ticks = log.split('\n').filter((l) => l.startsWith('tick '));
  assert.deepEqual(
    ticks,
    Array.from({ length: 8 }, (_, i) => `tick ${i + 1}`),
    'every line once, in order',
  );
});
