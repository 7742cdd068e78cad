import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { getJobs, getRun } from '../server/store/index.js';
import { type CiSystem, startCiSystem } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { allRedisValues } from './helpers/redis-dump.js';

/**
 * The whole system from a real `git push`: a bare repository whose post-receive hook sends a
 * signed GitHub webhook to `slipway server`; `slipway runner` runs the jobs in runc containers;
 * the build job pushes its image to the registry under the interpolated tag.
 */
const SECRET_VALUE = `s3cr3t-${randomBytes(12).toString('hex')}`;

let ci: CiSystem;
/** Jobs using the image built in the run, with no runner label of their own. */
const USE_HERE = ['use-here-1', 'use-here-2', 'use-here-3'];

before(async () => {
  ci = await startCiSystem();
  await ci.startRunner('e2e-1', ['--labels', 'linux,builder', '--concurrency', '3']);
  await ci.startRunner('e2e-2', ['--labels', 'linux,other']);
});

describe('git push → GitHub webhook → run on a runner', () => {
  it('runs test, a job with a secret and an image build, pushes the image, and leaks the secret nowhere', async () => {
    const name = 'acme/app';
    const { bare } = await ci.addRepo('github', name, { secrets: { DEPLOY_TOKEN: SECRET_VALUE } });
    const work = await testGitRepo({
      '.slipway.yml': `image: busybox:latest
jobs:
  test:
    steps:
      - name: greet
        run: echo "hello from commit \${CI_COMMIT_SHORT_SHA}"
  deploy:
    needs: test
    secrets: [DEPLOY_TOKEN]
    steps:
      - name: use-secret
        run: |
          echo "the token is $DEPLOY_TOKEN"
          printf %s "$DEPLOY_TOKEN" | sha256sum
  build:
    needs: test
    runs-on: [builder]
    build:
      context: .
      dockerfile: Dockerfile
      tags: ["${ci.registry.host}/acme/app:\${CI_COMMIT_SHORT_SHA}"]
      push: true
${USE_HERE.map(
  (job) => `  ${job}:
    needs: build
    image: ${ci.registry.host}/acme/app:\${CI_COMMIT_SHORT_SHA}
    steps:
      - run: cat /built.txt
`,
).join('')}  use-elsewhere:
    needs: build
    runs-on: [other]
    image: ${ci.registry.host}/acme/app:\${CI_COMMIT_SHORT_SHA}
    steps:
      - run: cat /built.txt
`,
      Dockerfile: 'FROM busybox:latest\nRUN echo built > /built.txt\n',
    });
    const pushed = git(work.dir, 'push', '-q', bare, 'main');
    const short = work.sha.slice(0, 8);
    const [run] = await ci.finishedRuns(name, 1);
    assert.ok(run);
    const jobs = await getJobs(ci.redis, run.jobs);
    assert.equal(
      run.status,
      'success',
      `${JSON.stringify(jobs.map((j) => [j.name, j.state, j.error]))}\n${pushed}`,
    );
    assert.equal(run.trigger.commit.sha, work.sha);
    assert.deepEqual(jobs.map((j) => [j.name, j.state]).sort(), [
      ['build', 'success'],
      ['deploy', 'success'],
      ['test', 'success'],
      ['use-elsewhere', 'success'],
      ...USE_HERE.map((j) => [j, 'success']),
    ]);

    const image = `${ci.registry.host}/acme/app:${short}`;
    const inspected = JSON.parse(
      await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`]),
    ) as {
      Digest: string;
    };
    assert.match(inspected.Digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(jobs.find((j) => j.name === 'build')?.image?.digest, inspected.Digest);

    const log = async (job: string) => {
      const id = jobs.find((j) => j.name === job)?.id;
      const res = await fetch(`${ci.url}/api/jobs/${id}/log`, {
        headers: { authorization: `Bearer ${ci.token}` },
      });
      assert.equal(res.status, 200);
      return res.text();
    };
    assert.match(await log('test'), new RegExp(`hello from commit ${short}`));
    // The image built in this run: jobs that may run anywhere prefer the runner that built it
    // (each would land on either runner without that) and use it there without a pull; a job
    // that must run elsewhere pulls it.
    for (const job of USE_HERE) {
      assert.equal(jobs.find((j) => j.name === job)?.runner, 'e2e-1', `${job} ran where its image was built`);
      const here = await log(job);
      assert.ok(
        here.includes(`image ${image} was built by job build on runner e2e-1: this job runs there too`),
        here,
      );
      assert.ok(here.includes(`image ${image}: built on this runner by an earlier job, no pull`), here);
      assert.match(here, /^built$/m);
    }
    const elsewhere = await log('use-elsewhere');
    assert.ok(
      new RegExp(`image ${image.replace(/[.:]/g, '\\$&')}: pulled from its registry in \\d`).test(elsewhere),
      elsewhere,
    );
    assert.match(elsewhere, /^built$/m);
    const deployLog = await log('deploy');
    const digest = createHash('sha256').update(SECRET_VALUE).digest('hex');
    assert.match(deployLog, /the token is \*\*\*/);
    assert.ok(deployLog.includes(digest), `the step got the secret's value:\n${deployLog}`);

    for (const job of ['test', 'deploy', 'build']) assert.ok(!(await log(job)).includes(SECRET_VALUE));
    const values = await allRedisValues(ci.redis);
    assert.ok(values.length > 20, `only ${values.length} Redis values scanned`);
    for (const { key, value } of values)
      assert.ok(!value.includes(SECRET_VALUE), `the secret is in Redis key ${key}`);
    assert.ok(!ci.server.output().includes(SECRET_VALUE));
    assert.equal((await getRun(ci.redis, run.id))?.status, 'success');
    assert.equal(git(work.dir, 'rev-parse', 'HEAD'), work.sha);
  });
});
