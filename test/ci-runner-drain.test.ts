import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getJobs, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';

/** `slipway runner` on SIGTERM: no new jobs, the running one finishes within --grace or goes back. */
let ci: CiSystem;

before(async () => {
  ci = await startCiSystem();
});

async function pushRunning(name: string, script: string) {
  const { bare } = await ci.addRepo('github', name);
  const work = await testGitRepo({
    '.slipway.yml': `image: busybox:latest\njobs:\n  long:\n    steps:\n      - run: ${script}\n`,
  });
  git(work.dir, 'push', '-q', bare, 'main');
  const run = await until('the run', async () => (await listRuns(ci.redis, name))[0]);
  return until('the step to run', async () => {
    const [job] = await getJobs(ci.redis, run.jobs);
    return job?.steps[0]?.status === 'running' ? job : undefined;
  });
}

const runnerNames = async () =>
  ((await ci.api('GET', '/api/runners')).body as Array<{ name: string; state: string }>).map((r) => r.name);

describe('slipway runner drains on SIGTERM', () => {
  it('lets the running job finish within --grace, takes nothing new, then exits and leaves the runner list', async () => {
    const runner = await ci.startRunner('drain-1', ['--grace', '60s']);
    const job = await pushRunning('acme/drain', '"sleep 3; echo finished after the signal"');
    assert.equal(job.runner, 'drain-1');
    runner.child.kill('SIGTERM');
    await runner.waitFor(/SIGTERM: finishing 1 running job\(s\), at most 60s/);
    const { bare } = await ci.addRepo('github', 'acme/late');
    const late = await testGitRepo({
      '.slipway.yml': 'image: busybox:latest\njobs:\n  late:\n    steps: [{ run: "true" }]\n',
    });
    git(late.dir, 'push', '-q', bare, 'main');
    const { code } = await runner.exited;
    assert.equal(code, 0, runner.output());
    const [lateRun] = await listRuns(ci.redis, 'acme/late');
    const [lateJob] = await getJobs(ci.redis, lateRun?.jobs ?? []);
    assert.equal(lateJob?.state, 'queued', 'a draining runner took a new job');
    const [done] = await getJobs(ci.redis, [job.id]);
    assert.equal(done?.state, 'success');
    const log = await fetch(`${ci.url}/api/jobs/${job.id}/log`, {
      headers: { authorization: `Bearer ${ci.token}` },
    });
    assert.match(await log.text(), /finished after the signal/);
    assert.ok(!(await runnerNames()).includes('drain-1'));
  });

  it('slipway runner --drain from another shell: shown draining in /api/runners, the job finishes, the runner exits', async () => {
    const runner = await ci.startRunner('drain-4', ['--grace', '60s']);
    // Long enough to outlast two CLI starts and a heartbeat on a loaded CI machine.
    const job = await pushRunning('acme/drain-request', '"sleep 20; echo finished while draining"');
    assert.equal(job.runner, 'drain-4');
    const unknown = await ci.cli(['runner', '--drain', '--name', 'no-such-runner', '--redis', ci.redisUrl]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /no runner named "no-such-runner" is online/);
    const asked = await ci.cli(['runner', '--drain', '--name', 'drain-4', '--redis', ci.redisUrl]);
    assert.equal(asked.code, 0, asked.out);
    assert.match(
      asked.out,
      /runner drain-4 is draining: no new jobs; 1 running job\(s\) finish within its --grace/,
    );
    const listed = (await ci.api('GET', '/api/runners')).body as Array<{ name: string; state: string }>;
    assert.equal(listed.find((r) => r.name === 'drain-4')?.state, 'draining');
    await runner.waitFor(/drain requested: finishing 1 running job\(s\)/);
    const { code } = await runner.exited;
    assert.equal(code, 0, runner.output());
    const [done] = await getJobs(ci.redis, [job.id]);
    assert.equal(done?.state, 'success');
    assert.ok(!(await runnerNames()).includes('drain-4'));
  });

  it('hands a job still running after --grace back to its queue, and another runner completes it', async () => {
    const runner = await ci.startRunner('drain-2', ['--grace', '1s']);
    const job = await pushRunning('acme/handback', '"sleep 4; echo done at last"');
    runner.child.kill('SIGTERM');
    const { code, at } = await runner.exited;
    assert.equal(code, 0, runner.output());
    const [left] = await getJobs(ci.redis, [job.id]);
    assert.ok(
      left && !['success', 'failure'].includes(left.state),
      `the job ended on the drained runner: ${left?.state}`,
    );
    assert.ok(at - (left?.startedAt ?? 0) < 30_000);
    await ci.startRunner('drain-3');
    const [run] = await ci.finishedRuns('acme/handback', 1);
    assert.equal(run?.status, 'success');
    const [done] = await getJobs(ci.redis, [job.id]);
    assert.equal(done?.runner, 'drain-3');
  });
});
