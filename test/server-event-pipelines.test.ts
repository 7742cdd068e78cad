import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventPipelines, startRuns, touchesPipelines } from '../server/runs/index.js';
import { listRuns } from '../server/store/index.js';
import type { WebhookEvent } from '../server/webhooks/index.js';
import { mirroredGitRepo, testGitRepo } from './helpers/git-repo.js';
import { testRunsDeps } from './helpers/runs-deps.js';

/**
 * A push whose payload proves its pipeline files unchanged is planned from the previous
 * commit's files without waiting for a fetch; anything less is fetched first, and a payload
 * that hid a change gets its runs planned again from the pushed commit.
 */
const ONE_JOB = 'jobs:\n  test:\n    image: busybox\n    steps:\n      - run: echo one\n';
const TWO_JOBS = `${ONE_JOB}  lint:\n    image: busybox\n    steps:\n      - run: echo two\n`;
const jobNames = (loaded: Awaited<ReturnType<typeof eventPipelines>>['loaded']) =>
  loaded.map((l) => (l.result.ok ? Object.keys(l.result.pipeline.jobs) : l.result.errors));

describe('pipelines of a pushed commit', () => {
  it('a push that lists no pipeline change is read from its previous commit, with no fetch', async () => {
    const { repo, mirror } = await mirroredGitRepo({ '.slipway.yml': ONE_JOB });
    const after = await repo.commit({ '.slipway.yml': TWO_JOBS, 'README.md': 'x' });
    // The clone URL is gone: only a read that needs no fetch can succeed.
    const got = await eventPipelines(mirror, join(repo.dir, 'gone'), after, {
      commit: repo.sha,
      changedPaths: ['README.md'],
    });
    assert.deepEqual(jobNames(got.loaded), [['test']]);
    assert.equal(await got.confirmed, 'unchecked');
  });

  it('the background fetch confirms the same pipelines, or finds the change the payload hid', async () => {
    const { repo, mirror } = await mirroredGitRepo({ '.slipway.yml': ONE_JOB });
    const same = await repo.commit({ 'README.md': 'x' });
    const since = { commit: repo.sha, changedPaths: ['README.md'] };
    assert.equal(await (await eventPipelines(mirror, repo.dir, same, since)).confirmed, 'same');
    const hidden = await repo.commit({ '.slipway.yml': TWO_JOBS });
    const got = await eventPipelines(mirror, repo.dir, hidden, { commit: same, changedPaths: ['README.md'] });
    assert.deepEqual(jobNames(got.loaded), [['test']]);
    assert.equal(await got.confirmed, 'changed');
  });

  it('a listed pipeline change, or a previous commit the mirror lacks, is fetched first', async () => {
    const { repo, mirror } = await mirroredGitRepo({ '.slipway.yml': ONE_JOB });
    const changed = await repo.commit({ '.slipway.yml': TWO_JOBS });
    for (const since of [
      { commit: repo.sha, changedPaths: ['src/a.ts', '.slipway.yml'] },
      { commit: 'f'.repeat(40), changedPaths: [] },
    ]) {
      const got = await eventPipelines(mirror, repo.dir, changed, since);
      assert.deepEqual(jobNames(got.loaded), [['test', 'lint']], JSON.stringify(since));
      assert.equal(got.confirmed, undefined);
    }
  });

  it('pipeline paths are the .slipway files and everything under .slipway/', () => {
    for (const p of ['.slipway.yml', '.slipway.yaml', '.slipway', '.slipway/deploy.yml', '.slipway/x/y'])
      assert.equal(touchesPipelines(p), true, p);
    for (const p of ['README.md', 'src/.slipway.yml', '.slipway.yml.bak', '.slipwayx/a'])
      assert.equal(touchesPipelines(p), false, p);
  });

  it('runs planned from a payload that hid a pipeline change are cancelled and planned again', async () => {
    const deps = await testRunsDeps();
    const repo = await testGitRepo({ '.slipway.yml': ONE_JOB });
    await deps.repos.add({
      fullName: 'acme/hidden',
      forge: 'github',
      cloneUrl: repo.dir,
      webhookSecret: 'secret-of-acme',
    });
    const registered = await deps.repos.get('acme/hidden');
    assert.ok(registered);
    const event = (sha: string): WebhookEvent => ({
      kind: 'push',
      branch: 'main',
      repo: { name: 'acme/hidden', url: repo.dir },
      commit: { sha, message: 'm', author: 'a' },
      changedPaths: ['README.md'],
    });
    await startRuns(deps, registered, { event: event(repo.sha), fromFork: false });
    const hidden = await repo.commit({ '.slipway.yml': TWO_JOBS });
    const [first] = await startRuns(deps, registered, {
      event: event(hidden),
      fromFork: false,
      since: { commit: repo.sha, changedPaths: ['README.md'] },
    });
    assert.equal(first?.jobs.length, 1);
    let runs = await listRuns(deps.redis, 'acme/hidden');
    for (let i = 0; i < 100 && runs.length < 3; i++) {
      await sleep(50);
      runs = await listRuns(deps.redis, 'acme/hidden');
    }
    const [again, cancelled] = runs;
    assert.equal(cancelled?.id, first?.id);
    assert.equal(cancelled?.status, 'cancelled');
    assert.equal(again?.trigger.commit.sha, hidden);
    assert.equal(again?.jobs.length, 2);
  });
});
