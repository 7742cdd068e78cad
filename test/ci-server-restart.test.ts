import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { getJobs, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';

// The server killed with kill -9 while a job runs, then started again: the runner goes on, the
// run completes once the server is back, and its log is exactly what the step printed.

let ci: CiSystem;
before(async () => {
  ci = await startCiSystem();
  await ci.startRunner('survivor-1');
});

const LINES = 40;

test('kill -9 the server mid-run, start it again: the run completes and its log is the step output, line by line', async () => {
  const { bare } = await ci.addRepo('github', 'acme/server-restart');
  const work = await testGitRepo({
    '.slipway.yml': `image: busybox:latest\njobs:\n  long:\n    steps:\n      - name: count\n        run: for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.1; done\n`,
  });
  git(work.dir, 'push', '-q', bare, 'main');
  const run = await until('the run', async () => (await listRuns(ci.redis, 'acme/server-restart'))[0]);
  const running = await until('its step to run', async () => {
    const [job] = await getJobs(ci.redis, run.jobs);
    return job?.steps[0]?.status === 'running' ? job : undefined;
  });
  await ci.killServer(1500);
  const [done] = await ci.finishedRuns('acme/server-restart', 1, 90_000);
  assert.equal(done?.status, 'success');
  const [job] = await getJobs(ci.redis, [running.id]);
  assert.equal(job?.state, 'success');
  assert.equal(job?.steps[0]?.status, 'success');
  const res = await fetch(`${ci.url}/api/jobs/${running.id}/log?format=json`, {
    headers: { authorization: `Bearer ${ci.token}` },
  });
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { number: number; step: string; text: string });
  const numbers = lines.map((l) => l.number);
  assert.deepEqual(
    numbers,
    Array.from({ length: numbers.length }, (_, i) => i + 1),
    'numbered without a gap',
  );
  assert.deepEqual(
    lines.filter((l) => l.step === 'count').map((l) => l.text),
    Array.from({ length: LINES }, (_, i) => `line ${i + 1}`),
    "the step's output, whole, each line once",
  );
});
