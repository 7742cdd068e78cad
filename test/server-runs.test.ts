import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../lib/redis.js';
import { jobQueueName, KEY_PREFIX } from '../pipelines/index.js';
import { cancelRun, pendingReason, type RunsDeps, startRuns } from '../server/runs/index.js';
import { getJobs, getRun, type Repo, type RunRecord } from '../server/store/index.js';
import { createFakeExecutor } from './helpers/fake-executor.js';
import { testGitRepo } from './helpers/git-repo.js';
import { startScriptedFleet, testRunsDeps } from './helpers/runs-deps.js';

/**
 * The orchestration over real Redis, BullMQ and git: pushes become runs, jobs follow their DAG
 * on two runners with a scripted executor (no containers: this is about ordering, skips and states), reports come
 * back over the report stream, invalid pipelines and unknown commits become `error` runs, a job
 * no runner can take says why, and a cancel removes what is queued.
 */
let redis: Redis;
let deps: RunsDeps;

const executor = createFakeExecutor({
  b: { steps: { work: { durationMs: 1500 } } },
  c: { steps: { work: { durationMs: 1500 } } },
  broken: { steps: { work: { exitCode: 1 } } },
});

before(async () => {
  deps = await testRunsDeps();
  redis = deps.redis;
  // Two runners with one slot each, as in a small fleet; the executor is scripted (no root).
  await startScriptedFleet(deps, executor);
});

async function repoWith(pipeline: string): Promise<{ repo: Repo; sha: string }> {
  const git = await testGitRepo({ '.slipway.yml': pipeline });
  const fullName = `acme/r${randomBytes(4).toString('hex')}`;
  const { repo } = await deps.repos.add({ fullName, forge: 'github', cloneUrl: git.dir });
  return { repo, sha: git.sha };
}

function push(repo: Repo, sha: string) {
  return startRuns(deps, repo, {
    event: {
      kind: 'push',
      branch: 'main',
      repo: { name: repo.fullName, url: 'https://example.invalid/not-used.git' },
      commit: { sha, message: 'change', author: 'Ada <ada@example.com>' },
    },
    fromFork: false,
  });
}

async function settled(run: RunRecord, timeoutMs = 20_000): Promise<RunRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const now = await getRun(redis, run.id);
    if (now && !['pending', 'running'].includes(now.status)) return now;
    if (Date.now() > until) assert.fail(`run ${run.id} still ${now?.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const job = (name: string, extra = '') =>
  `  ${name}:\n    image: busybox\n${extra}    steps:\n      - name: work\n        run: echo ${name}\n`;

describe('runs from pushes', () => {
  it('a diamond: the middle jobs run at the same time, the last after both; the run succeeds', async () => {
    const { repo, sha } = await repoWith(
      `jobs:\n${job('a')}${job('b', '    needs: a\n')}${job('c', '    needs: a\n')}${job('d', '    needs: [b, c]\n')}`,
    );
    const [run] = await push(repo, sha);
    assert.ok(run);
    assert.equal(run.number, 1);
    const done = await settled(run);
    assert.equal(done.status, 'success');
    const jobs = await getJobs(redis, done.jobs);
    assert.deepEqual(
      jobs.map((j) => j.state),
      ['success', 'success', 'success', 'success'],
    );
    const span = (n: string) => {
      const j = jobs.find((x) => x.name === n);
      return { start: j?.startedAt ?? Number.NaN, end: j?.finishedAt ?? Number.NaN };
    };
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(span) as Array<ReturnType<typeof span>>;
    assert.ok(a && b && c && d);
    assert.ok(b.start >= a.end && c.start >= a.end, 'b and c start after a');
    assert.ok(b.start < c.end && c.start < b.end, 'b and c run at the same time');
    assert.ok(d.start >= Math.max(b.end, c.end), 'd starts after b and c');
    const middle = jobs.filter((j) => j.name === 'b' || j.name === 'c').map((j) => j.runner);
    assert.deepEqual(new Set(middle), new Set(['r1', 'r2']), 'one middle job on each runner');
    assert.ok(jobs.every((j) => j.attempts === 1));
  });

  it('a failing job skips its dependents and fails the run; a when: failure job runs', async () => {
    const { repo, sha } = await repoWith(
      `jobs:\n${job('broken')}${job('after', '    needs: broken\n')}${job('alarm', '    needs: broken\n    when:\n      status: [failure]\n')}`,
    );
    const [run] = await push(repo, sha);
    assert.ok(run);
    const done = await settled(run);
    assert.equal(done.status, 'failure');
    const states = Object.fromEntries((await getJobs(redis, done.jobs)).map((j) => [j.name, j.state]));
    assert.deepEqual(states, { broken: 'failure', after: 'skipped', alarm: 'success' });
  });

  it('an invalid pipeline is a run in error with positioned messages; run numbers go on', async () => {
    const { repo, sha } = await repoWith('jobs:\n  a:\n    image: busybox\n    stepz: []\n');
    const [run] = await push(repo, sha);
    assert.equal(run?.status, 'error');
    const problem = run?.problems[0];
    assert.ok(problem && problem.file === '.slipway.yml' && problem.line >= 1, JSON.stringify(run?.problems));
    const [again] = await push(repo, sha);
    assert.equal(again?.number, 2);
  });

  it('a commit the repository does not have is a run in error naming the commit', async () => {
    const { repo } = await repoWith(`jobs:\n${job('a')}`);
    const missing = 'f'.repeat(40);
    const [run] = await push(repo, missing);
    assert.equal(run?.status, 'error');
    assert.match(run?.problems[0]?.message ?? '', new RegExp(`commit ${missing}`));
  });

  it('a job needing a label no runner has waits and says so; cancel removes it from its queue', async () => {
    const { repo, sha } = await repoWith(`jobs:\n${job('gpu', '    runs-on: [linux, gpu]\n')}`);
    const [run] = await push(repo, sha);
    assert.ok(run);
    const [queued] = await getJobs(redis, run.jobs);
    assert.equal(queued?.state, 'queued');
    assert.equal(pendingReason(queued as never, [], []), 'no runner online with labels [linux, gpu]');
    const cancelled = await cancelRun(deps, run.id);
    assert.equal(cancelled?.status, 'cancelled');
    const [after] = await getJobs(redis, run.jobs);
    assert.equal(after?.state, 'cancelled');
    const waiting = await redis.llen(`${KEY_PREFIX}:${jobQueueName(['linux', 'gpu'])}:wait`);
    assert.equal(waiting, 0, 'the queued job is gone from its queue');
  });
});
