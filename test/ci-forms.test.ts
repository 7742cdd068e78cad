import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { getJobs, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { startFakeForge } from './helpers/fake-forge.js';
import { git, testGitRepo } from './helpers/git-repo.js';

/**
 * Real pushes to bare repositories whose post-receive hooks speak GitLab's and Gitea's webhook
 * forms; branch deletions, invalid pipelines, wrong signatures and redeliveries end to end.
 */
let ci: CiSystem;
const STATUS_TOKEN = 'status-token-for-the-fake-forge';

before(async () => {
  ci = await startCiSystem();
  await ci.startRunner('forms-1', ['--labels', 'linux']);
});

const PIPELINE =
  'image: busybox:latest\njobs:\n  hello:\n    steps:\n      - run: echo "hello from $CI_COMMIT_BRANCH"\n';

async function logOf(jobId: string): Promise<string> {
  const res = await fetch(`${ci.url}/api/jobs/${jobId}/log`, {
    headers: { authorization: `Bearer ${ci.token}` },
  });
  return res.text();
}

const FAILED = { github: 'failure', gitlab: 'failed', gitea: 'failure' } as const;

describe('pushes in every forge form', () => {
  for (const forge of ['github', 'gitlab', 'gitea'] as const) {
    it(`a ${forge} push webhook from post-receive runs the pipeline; the forge gets pending, then the outcome`, async () => {
      const name = `${forge}-group/app`;
      const fake = await startFakeForge(forge, STATUS_TOKEN);
      const { bare } = await ci.addRepo(forge, name, {
        args: ['--status-token', STATUS_TOKEN, '--api-url', fake.apiUrl],
      });
      const work = await testGitRepo({ '.slipway.yml': PIPELINE });
      const out = git(work.dir, 'push', '-q', bare, 'main');
      const [run] = await ci.finishedRuns(name, 1);
      const why = async () =>
        JSON.stringify((await getJobs(ci.redis, run?.jobs ?? [])).map((j) => [j.state, j.error, j.steps]));
      if (run?.status !== 'success') assert.fail(`run ${run?.status}: ${await why()}\n${out}`);
      assert.equal(run?.trigger.commit.sha, work.sha);
      assert.equal(run?.trigger.branch, 'main');
      const [job] = await getJobs(ci.redis, run?.jobs ?? []);
      assert.match(await logOf(job?.id ?? ''), /hello from main/);

      const failing = await work.commit(
        { '.slipway.yml': PIPELINE.replace('echo', 'exit 1; echo') },
        'break it',
      );
      git(work.dir, 'push', '-q', bare, 'main');
      const [failed] = await ci.finishedRuns(name, 2);
      assert.equal(failed?.status, 'failure');
      const states = (sha: string) =>
        until(`the final status of ${sha}`, async () => {
          const s = fake.requests.filter((q) => q.commit === sha).map((q) => q.body.state);
          return s.length >= 2 && s.at(-1) !== 'pending' ? s : undefined;
        });
      for (const [sha, end, runId] of [
        [work.sha, 'success', run?.id],
        [failing, FAILED[forge], failed?.id],
      ] as const) {
        const seen = await states(sha);
        assert.equal(seen[0], 'pending');
        assert.equal(seen.at(-1), end);
        const last = fake.requests.filter((q) => q.commit === sha).at(-1);
        assert.equal(last?.body.target_url, `${ci.url}/api/runs/${runId}`);
      }
      assert.deepEqual(fake.malformed, []);
    });
  }

  it('a branch deletion starts no run; an invalid pipeline is a run in error with positioned messages', async () => {
    const name = 'acme/forms';
    const { bare } = await ci.addRepo('github', name);
    const work = await testGitRepo({ '.slipway.yml': PIPELINE });
    git(work.dir, 'push', '-q', bare, 'main');
    await ci.finishedRuns(name, 1);
    git(work.dir, 'push', '-q', bare, 'main:feature');
    await ci.finishedRuns(name, 2);
    git(work.dir, 'push', '-q', bare, ':feature');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await listRuns(ci.redis, name)).length, 2, 'the deletion started a run');

    await work.commit(
      { '.slipway.yml': 'image: busybox:latest\njobs:\n  hello:\n    stepz: []\n' },
      'broken',
    );
    git(work.dir, 'push', '-q', bare, 'main');
    const [broken] = await ci.finishedRuns(name, 3);
    assert.equal(broken?.status, 'error');
    assert.equal(broken?.jobs.length, 0);
    const problem = broken?.problems[0];
    assert.equal(problem?.file, '.slipway.yml');
    assert.ok((problem?.line ?? 0) >= 3, JSON.stringify(broken?.problems));
    assert.match(problem?.message ?? '', /stepz|steps/);
  });

  it('a wrong signature is 401 and stores nothing; a redelivery starts no second run', async () => {
    const name = 'acme/signed';
    const { bare, webhookSecret } = await ci.addRepo('github', name);
    const work = await testGitRepo({ '.slipway.yml': PIPELINE });
    git(work.dir, 'push', '-q', bare, 'main:held');
    await ci.finishedRuns(name, 1);
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      after: work.sha,
      commits: [],
      head_commit: null,
      repository: { full_name: name, clone_url: bare, default_branch: 'main' },
    });
    const deliver = (secret: string, delivery: string) =>
      fetch(`${ci.url}/hooks/github`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
      });
    const forged = await deliver('not-the-secret', randomUUID());
    assert.equal(forged.status, 401);
    assert.equal((await listRuns(ci.redis, name)).length, 1);

    const delivery = randomUUID();
    assert.equal((await deliver(webhookSecret, delivery)).status, 201);
    const again = await deliver(webhookSecret, delivery);
    assert.equal(again.status, 200);
    assert.match(await again.text(), /already received/);
    await ci.finishedRuns(name, 2);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await listRuns(ci.redis, name)).length, 2);
  });
});
