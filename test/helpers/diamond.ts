import assert from 'node:assert/strict';
import { getJobs, type JobRecord } from '../../server/store/index.js';
import type { CiSystem } from './ci-system.js';
import { git, testGitRepo } from './git-repo.js';

/** A finished job's timings and runner (failing the test when one is missing). */
export type Timed = { startedAt: number; finishedAt: number; runner: string };
export function timed(job: JobRecord | undefined): Timed {
  const { startedAt, finishedAt, runner } = job ?? {};
  assert.ok(startedAt && finishedAt && runner, `job without timings: ${JSON.stringify(job)}`);
  return { startedAt, finishedAt, runner };
}

/**
 * The diamond end to end on `ci` (two runners of one slot each): repository `name` pushes
 * top → (left, right) → bottom; every job succeeds, the middle ones overlap on different
 * runners, each starts only after what it needs ended.
 */
export async function assertDiamond(ci: CiSystem, name: string): Promise<void> {
  const sleepy = (needs: string) => `    needs: ${needs}\n    steps:\n      - run: sleep 2\n`;
  const { bare } = await ci.addRepo('github', name);
  const work = await testGitRepo({
    '.slipway.yml': `image: busybox:latest\njobs:\n  top:\n    steps:\n      - run: "true"\n  left:\n${sleepy('top')}  right:\n${sleepy('top')}  bottom:\n    needs: [left, right]\n    steps:\n      - run: "true"\n`,
  });
  git(work.dir, 'push', '-q', bare, 'main');
  const [run] = await ci.finishedRuns(name, 1);
  assert.equal(run?.status, 'success');
  const j = Object.fromEntries((await getJobs(ci.redis, run?.jobs ?? [])).map((x) => [x.name, x]));
  assert.deepEqual(
    Object.values(j).map((x) => x.state),
    ['success', 'success', 'success', 'success'],
  );
  const [left, right, top, bottom] = [j.left, j.right, j.top, j.bottom].map(timed) as [
    Timed,
    Timed,
    Timed,
    Timed,
  ];
  assert.ok(
    left.startedAt < right.finishedAt && right.startedAt < left.finishedAt,
    'the middle jobs overlap',
  );
  assert.notEqual(left.runner, right.runner);
  assert.ok(left.startedAt >= top.finishedAt && right.startedAt >= top.finishedAt);
  assert.ok(bottom.startedAt >= Math.max(left.finishedAt, right.finishedAt));
}
