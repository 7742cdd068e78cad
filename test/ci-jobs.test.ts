import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { freePort } from '../lib/net.js';
import { getJobs, getRun, type JobRecord, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { assertDiamond, timed } from './helpers/diamond.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { runtimeLeftovers } from './helpers/runtime-leftovers.js';

/**
 * Jobs on real runners (`slipway runner` processes, runc): a diamond over two runners, a
 * failing job, label routing with a runner that starts late, cancel, and a fork's pull request.
 */
let ci: CiSystem;
let closedPort: number;
const runners = new Map<string, { dataDir: string }>();

before(async () => {
  ci = await startCiSystem();
  closedPort = await freePort();
  for (const name of ['jobs-1', 'jobs-2'])
    runners.set(
      name,
      await ci.startRunner(name, ['--labels', 'linux', '--allow-registry', `127.0.0.1:${closedPort}`]),
    );
});

async function pushed(name: string, pipeline: string, secrets: Record<string, string> = {}) {
  const { bare, webhookSecret } = await ci.addRepo('github', name, { secrets });
  const work = await testGitRepo({ '.slipway.yml': `image: busybox:latest\njobs:\n${pipeline}` });
  git(work.dir, 'push', '-q', bare, 'main');
  return { bare, webhookSecret, work };
}

async function jobsOf(name: string, count = 1): Promise<Record<string, JobRecord>> {
  const [run] = await ci.finishedRuns(name, count);
  const jobs = await getJobs(ci.redis, run?.jobs ?? []);
  return Object.fromEntries(jobs.map((j) => [j.name, j]));
}

async function runOf(name: string) {
  return until(`a run of ${name}`, async () => (await listRuns(ci.redis, name))[0]);
}

describe('jobs on real runners', () => {
  it('a diamond on two runners of one slot each: the middle jobs run at once, the last after both', () =>
    assertDiamond(ci, 'acme/diamond'));

  it('a failing job skips its dependents and fails the run; a when: failure job runs', async () => {
    await pushed(
      'acme/failing',
      '  broken:\n    steps:\n      - run: exit 3\n  after:\n    needs: broken\n    steps:\n      - run: "true"\n  alarm:\n    needs: broken\n    when:\n      status: [failure]\n    steps:\n      - run: echo alarm\n',
    );
    const [run] = await ci.finishedRuns('acme/failing', 1);
    assert.equal(run?.status, 'failure');
    const j = await jobsOf('acme/failing');
    assert.deepEqual(
      Object.fromEntries(Object.entries(j).map(([k, v]) => [k, v.state])),
      { broken: 'failure', after: 'skipped', alarm: 'success' },
      `the alarm job: ${JSON.stringify({ error: j.alarm?.error, steps: j.alarm?.steps })}`,
    );
    assert.equal(j.broken?.steps[0]?.result?.exitCode, 3);
  });

  it('a job needing a label no runner has is pending with that reason and runs once such a runner starts', async () => {
    await pushed(
      'acme/gpu',
      '  train:\n    runs-on: [linux, gpu]\n    steps:\n      - run: echo trained on gpu\n',
    );
    const run = await runOf('acme/gpu');
    const reason = await until('the pending reason', async () => {
      const res = await ci.api('GET', `/api/runs/${run.id}`);
      const job = (res.body as { jobs?: Array<{ state: string; pendingReason?: string }> }).jobs?.[0];
      return job?.state === 'queued' ? job.pendingReason : undefined;
    });
    assert.equal(reason, 'no runner online with labels [linux, gpu]');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await getJobs(ci.redis, run.jobs))[0]?.state, 'queued', 'a runner without gpu took it');
    runners.set('gpu-1', await ci.startRunner('gpu-1', ['--labels', 'linux,gpu']));
    const j = await jobsOf('acme/gpu');
    assert.equal(j.train?.state, 'success');
    assert.equal(j.train?.runner, 'gpu-1');
  });

  it('cancel during `sleep 1000`: the run is cancelled and no container is left within 5 s', async () => {
    await pushed('acme/cancel', '  long:\n    steps:\n      - run: sleep 1000\n');
    const run = await runOf('acme/cancel');
    const job = await until('the step to run', async () => {
      const [j] = await getJobs(ci.redis, run.jobs);
      return j?.steps[0]?.status === 'running' ? j : undefined;
    });
    const dataDir = runners.get(job.runner ?? '')?.dataDir;
    assert.ok(dataDir, `the job ran on an unknown runner ${job.runner}`);
    await until('the step container', async () =>
      (await runtimeLeftovers(dataDir, 'runc')).containers.length === 1 ? true : undefined,
    );
    const started = Date.now();
    const res = await ci.api('POST', `/api/runs/${run.id}/cancel`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await until(
      'no container',
      async () => ((await runtimeLeftovers(dataDir, 'runc')).containers.length === 0 ? true : undefined),
      5_000,
    );
    await until(
      'the job cancelled',
      async () => ((await getJobs(ci.redis, run.jobs))[0]?.state === 'cancelled' ? true : undefined),
      5_000,
    );
    assert.ok(Date.now() - started < 5_000);
    assert.equal((await getRun(ci.redis, run.id))?.status, 'cancelled');
  });

  it('a pull request from a fork gets no secrets; one from the same repository does', async () => {
    const name = 'acme/forked';
    const value = `fork-secret-${randomUUID()}`;
    const probe =
      '  probe:\n    secrets: [DEPLOY_TOKEN]\n    steps:\n      - run: if [ -n "$DEPLOY_TOKEN" ]; then echo "secret given"; else echo "no secret given"; fi\n';
    const { bare, webhookSecret, work } = await pushed(name, probe, { DEPLOY_TOKEN: value });
    await ci.finishedRuns(name, 1);
    const pr = (id: number, headRepoId: number) => {
      const body = JSON.stringify({
        action: 'opened',
        number: id,
        pull_request: {
          title: 'a change',
          user: { login: 'mallory' },
          head: { ref: 'feature', sha: work.sha, repo: { id: headRepoId } },
          base: { ref: 'main', repo: { id: 1 } },
        },
        repository: { full_name: name, clone_url: bare, default_branch: 'main' },
      });
      return fetch(`${ci.url}/hooks/github`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
        },
      });
    };
    const log = async (n: number) => {
      const [run] = await ci.finishedRuns(name, n);
      assert.equal(run?.trigger.kind, 'pull_request');
      const res = await fetch(`${ci.url}/api/jobs/${run?.jobs[0]}/log`, {
        headers: { authorization: `Bearer ${ci.token}` },
      });
      return res.text();
    };
    assert.equal((await pr(7, 99)).status, 201);
    const forkLog = await log(2);
    assert.match(forkLog, /no secret given/);
    assert.equal((await pr(8, 1)).status, 201);
    assert.match(await log(3), /secret given/);
  });

  it('an image that does not exist fails at once; an unreachable registry is retried with backoff, then fails', async () => {
    await pushed(
      'acme/no-image',
      `  a:\n    image: ${ci.registry.host}/acme/nope:latest\n    steps:\n      - run: "true"\n`,
    );
    await pushed(
      'acme/no-registry',
      `  a:\n    image: 127.0.0.1:${closedPort}/acme/x:latest\n    steps:\n      - run: "true"\n`,
    );
    const missing = (await jobsOf('acme/no-image')).a;
    assert.equal(missing?.state, 'failure');
    assert.equal(missing?.attempts, 1, 'a permanent error is not retried');
    assert.equal(missing?.error?.category, 'permanent', JSON.stringify(missing));
    const unreachable = (await jobsOf('acme/no-registry')).a;
    assert.equal(unreachable?.state, 'failure');
    assert.equal(unreachable?.attempts, 3, 'a temporary error is retried (3 attempts)');
    assert.equal(unreachable?.error?.category, 'temporary', JSON.stringify(unreachable?.error));
    const { startedAt, finishedAt } = timed(unreachable);
    assert.ok(finishedAt - (unreachable?.queuedAt ?? startedAt) >= 6_000, 'backoff of 2 s, then 4 s');
  });
});
