import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getJobs, type JobRecord, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { onCleanup } from './helpers/cleanup.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { watchReports } from './helpers/report-watch.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import type { SlipwayProcess } from './helpers/slipway-cli.js';

// A runner killed with kill -9 mid-job: the job runs again on the other runner, or fails as
// "runner lost" when it allows no retry; one result either way; the dead runner, started
// again on its data dir, leaves nothing behind. Short locks so a lost runner shows in seconds.

type Runner = SlipwayProcess & { dataDir: string };
const FAST = ['--job-lock', '4s', '--stalled-check', '1s'];
let ci: CiSystem;
const runners = new Map<string, Runner>();

/** Every report sent on the report stream, as `<job>.<attempt>.<event type>`. */
let sent: string[] = [];

before(async () => {
  ci = await startCiSystem();
  const watch = await watchReports(ci.redis);
  sent = watch.seen;
  onCleanup(() => watch.stop());
  for (const name of ['loss-a', 'loss-b']) runners.set(name, await ci.startRunner(name, FAST));
});

/** Pushes a one-job pipeline (`retry:` as given) and waits until its step runs; returns the job. */
async function pushRunning(repo: string, retry: number, sleepS = 6): Promise<JobRecord> {
  const { bare } = await ci.addRepo('github', repo);
  const work = await testGitRepo({
    '.slipway.yml': `image: busybox:latest\njobs:\n  long:\n    retry: ${retry}\n    steps:\n      - run: sleep ${sleepS}; echo slept\n`,
  });
  git(work.dir, 'push', '-q', bare, 'main');
  const run = await until('the run', async () => (await listRuns(ci.redis, repo))[0]);
  return until('the step to run', async () => {
    const [job] = await getJobs(ci.redis, run.jobs);
    return job?.steps[0]?.status === 'running' && job.runner ? job : undefined;
  });
}

const finalJob = (id: string) =>
  until(
    'the job to end',
    async () => {
      const [job] = await getJobs(ci.redis, [id]);
      return job && ['success', 'failure', 'cancelled'].includes(job.state) ? job : undefined;
    },
    90_000,
  );

/** The job-finished reports ever sent for job `id` (one per attempt that finished), as the report stream saw them. */
function finishedReports(id: string): string[] {
  return sent.filter((r) => r.startsWith(`${id}.`) && r.endsWith('.job-finished'));
}

async function kill9(name: string): Promise<Runner> {
  const runner = runners.get(name) as Runner;
  runner.child.kill('SIGKILL');
  await new Promise((resolve) => runner.child.once('exit', resolve));
  return runner;
}

const runnerState = async (name: string) =>
  ((await ci.api('GET', '/api/runners')).body as Array<{ name: string; state: string }>).find(
    (r) => r.name === name,
  )?.state;

describe('a runner killed with kill -9 mid-job', () => {
  it('with retry: 1, the job runs again on the other runner as attempt 2; one result; the dead runner is offline within 30 s and leaves nothing once started again', async (t) => {
    const job = await pushRunning('acme/lost-once', 1);
    const holder = job.runner as string;
    const other = [...runners.keys()].find((n) => n !== holder) as string;
    const killedAt = Date.now();
    const dead = await kill9(holder);
    // Watched from the kill on, beside the job's second attempt.
    const shownOffline = until(
      'the killed runner shown offline',
      async () => ((await runnerState(holder)) === 'offline' ? Date.now() : undefined),
      60_000,
    );
    shownOffline.catch(() => undefined); // awaited below
    const done = await finalJob(job.id);
    assert.equal(done.state, 'success', JSON.stringify(done.error));
    assert.equal(done.runner, other, 'the other runner finished it');
    assert.equal(done.attempts, 2, 'recorded as a fresh attempt');
    const log = await (
      await fetch(`${ci.url}/api/jobs/${job.id}/log`, { headers: { authorization: `Bearer ${ci.token}` } })
    ).text();
    assert.match(
      log,
      new RegExp(`the runner running this job was lost; attempt 2 starts anew on runner ${other}`),
    );
    assert.match(log, /slept\n$/);
    assert.equal(finishedReports(job.id).length, 1, 'exactly one final result');

    const offlineAfter = (await shownOffline) - killedAt;
    assert.ok(offlineAfter < 30_000, `shown offline ${offlineAfter} ms after kill -9`);

    const left = await dataDirLeftovers(dead.dataDir);
    assert.ok(left.length > 0, "the kill left the job's mounts, network and the like behind");
    const again = await ci.startRunner(holder, FAST, { dataDir: dead.dataDir });
    runners.set(holder, again);
    // The new runner makes its next job's network and disk ahead: those are its own.
    const still = (await dataDirLeftovers(dead.dataDir)).filter((l) => left.includes(l));
    assert.deepEqual(still, [], 'nothing of the killed runner is left once it started again');
    t.diagnostic(`offline after ${offlineAfter} ms; collected on restart: ${left.join(', ')}`);
  });

  it('with retry: 0, the job fails as "runner lost", once', async () => {
    const job = await pushRunning('acme/lost-for-good', 0);
    const dead = await kill9(job.runner as string);
    const done = await finalJob(job.id);
    assert.equal(done.state, 'failure');
    assert.match(done.error?.message ?? '', /^runner lost: .*allows no retry \(retry: 0\)/);
    assert.equal(finishedReports(job.id).length, 1, 'exactly one final result');
    const [run] = await ci.finishedRuns('acme/lost-for-good', 1);
    assert.equal(run?.status, 'failure');
    runners.set(
      job.runner as string,
      await ci.startRunner(job.runner as string, FAST, { dataDir: dead.dataDir }),
    );
  });

  it('a runner paused past its lock (SIGSTOP) stops the job when it wakes: the other runner runs it, and it runs to its end once', async (t) => {
    // The step outlasts the pause, so the paused runner wakes with it still running.
    const job = await pushRunning('acme/paused', 1, 14);
    const holder = runners.get(job.runner as string) as Runner;
    const other = [...runners.keys()].find((n) => n !== job.runner) as string;
    holder.child.kill('SIGSTOP');
    try {
      await until(
        'the other runner to take the job',
        async () => {
          const [j] = await getJobs(ci.redis, [job.id]);
          return j?.runner === other && j.state === 'running' ? j : undefined;
        },
        60_000,
      );
    } finally {
      holder.child.kill('SIGCONT');
    }
    const resumedAt = Date.now();
    const stoppedAt = await holder.waitFor(/lock was lost/, 20_000);
    await until('the paused runner to remove its container', async () =>
      (await dataDirLeftovers(holder.dataDir)).some((l) => l.startsWith('container ')) ? undefined : true,
    );
    const done = await finalJob(job.id);
    assert.equal(done.state, 'success', JSON.stringify(done.error));
    assert.equal(done.runner, other);
    assert.equal(finishedReports(job.id).length, 1, 'exactly one final result');
    const log = await (
      await fetch(`${ci.url}/api/jobs/${job.id}/log`, { headers: { authorization: `Bearer ${ci.token}` } })
    ).text();
    assert.equal(log.match(/^slept$/gm)?.length, 1, 'the step ran to its end once');
    t.diagnostic(`the paused runner stopped its copy ${stoppedAt - resumedAt} ms after it woke`);
  });

  it('runners stopped by a signal leave nothing on their data dirs (a deleted loop image aside)', async () => {
    for (const runner of runners.values()) {
      if (runner.child.exitCode !== null || runner.child.signalCode !== null) continue;
      runner.child.kill('SIGTERM');
      await runner.exited;
      // Known defect, still open: under load the loop device of a pool disk, unmounted and its
      // image deleted, can stay attached ("(deleted)") after the runner exits. Everything else
      // (containers, mounts, netns, links, leases, disks) must be gone.
      const left = (await dataDirLeftovers(runner.dataDir)).filter(
        (l) => !(l.startsWith('loop ') && l.endsWith('(deleted)')),
      );
      assert.deepEqual(left, []);
    }
  });
});
