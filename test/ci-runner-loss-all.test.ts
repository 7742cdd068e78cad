import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getJobs, type JobRecord, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import type { SlipwayProcess } from './helpers/slipway-cli.js';

// The only runner of a label set killed with kill -9 mid-job: no runner is left to run the
// queue's stalled check, so the server's own check takes the job back. It shows queued with
// the reason, and runs again once a runner comes (retry: 1), or the server fails it as
// "runner lost" with no runner at all (retry: 0). Short locks so this takes seconds.

const FAST = ['--job-lock', '4s', '--stalled-check', '1s', '--labels', 'linux,lonely'];
let ci: CiSystem;

before(async () => {
  ci = await startCiSystem({ serverArgs: ['--stalled-check', '1s'] });
});

async function pushRunning(repo: string, retry: number): Promise<JobRecord> {
  const { bare } = await ci.addRepo('github', repo);
  const work = await testGitRepo({
    '.slipway.yml': `image: busybox:latest\njobs:\n  long:\n    runs-on: [lonely]\n    retry: ${retry}\n    steps:\n      - run: sleep 6; echo slept\n`,
  });
  git(work.dir, 'push', '-q', bare, 'main');
  const run = await until('the run', async () => (await listRuns(ci.redis, repo))[0]);
  return until('the step to run', async () => {
    const [job] = await getJobs(ci.redis, run.jobs);
    return job?.steps[0]?.status === 'running' && job.runner ? job : undefined;
  });
}

async function kill9(runner: SlipwayProcess): Promise<void> {
  runner.child.kill('SIGKILL');
  await runner.exited;
}

const jobView = async (id: string) =>
  (await ci.api('GET', `/api/jobs/${id}`)).body as { state: string; pendingReason?: string };

describe('the only runner of a label set killed with kill -9', () => {
  it('the job shows queued again, saying no runner is online, and runs as attempt 2 once a runner starts', async (t) => {
    const first = await ci.startRunner('lonely-a', FAST);
    const job = await pushRunning('acme/alone', 1);
    const killedAt = Date.now();
    await kill9(first);
    const queued = await until(
      'the job queued again with its reason',
      async () => {
        const view = await jobView(job.id);
        return view.state === 'queued' &&
          /no runner online with labels \[lonely\]/.test(view.pendingReason ?? '')
          ? view
          : undefined;
      },
      60_000,
    );
    const queuedAfter = Date.now() - killedAt;
    const again = await ci.startRunner('lonely-a', FAST, { dataDir: first.dataDir });
    const done = await until(
      'the job to end',
      async () => {
        const [j] = await getJobs(ci.redis, [job.id]);
        return j && ['success', 'failure', 'cancelled'].includes(j.state) ? j : undefined;
      },
      90_000,
    );
    assert.equal(done.state, 'success', JSON.stringify(done.error));
    assert.equal(done.attempts, 2);
    const log = await (
      await fetch(`${ci.url}/api/jobs/${job.id}/log`, { headers: { authorization: `Bearer ${ci.token}` } })
    ).text();
    assert.match(log, /attempt 2 starts anew on runner lonely-a/);
    assert.equal(log.match(/^slept$/gm)?.length, 1, 'the step ran to its end once');
    again.child.kill('SIGTERM'); // the next test needs this label set without a runner
    await again.exited;
    t.diagnostic(`queued again ${queuedAfter} ms after kill -9: ${queued.pendingReason}`);
  });

  it('with retry: 0 and no runner left, the server fails the job as "runner lost" and ends the run', async () => {
    const runner = await ci.startRunner('lonely-b', FAST);
    const job = await pushRunning('acme/alone-for-good', 0);
    await kill9(runner);
    const [run] = await ci.finishedRuns('acme/alone-for-good', 1, 60_000);
    assert.equal(run?.status, 'failure');
    const [done] = await getJobs(ci.redis, [job.id]);
    assert.equal(done?.state, 'failure');
    assert.match(done?.error?.message ?? '', /^runner lost: .*allows no retry \(retry: 0\)/);
  });
});
