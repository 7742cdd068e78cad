import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import {
  finishedReportId,
  JOB_EVENT_VERSION,
  jobQueueName,
  KEY_PREFIX,
  makeJobResult,
  WIRE_VERSION,
  wireKeys,
} from '../pipelines/index.js';
import { reportSender } from '../runner/worker/reports.js';
import { type RunsDeps, reconcileRuns, startRuns } from '../server/runs/index.js';
import {
  activeRunIds,
  createRun,
  getJobs,
  getRun,
  newRunId,
  nextRunNumber,
  type RunRecord,
  updateJob,
} from '../server/store/index.js';
import { onCleanup } from './helpers/cleanup.js';
import { createFakeExecutor } from './helpers/fake-executor.js';
import { testGitRepo } from './helpers/git-repo.js';
import { startScriptedFleet, testRunsDeps } from './helpers/runs-deps.js';

/**
 * What a crash can leave behind, put right by the reconciler: a run stored but never queued
 * (the server killed in between), a job its queue lost (Redis lost its last second), a job its
 * queue failed with no result (a runner refused it). Each is a run that would hang for ever.
 */
let deps: RunsDeps;
let template: RunRecord;

before(async () => {
  deps = await testRunsDeps();
  await startScriptedFleet(deps, createFakeExecutor({}));
  const git = await testGitRepo({
    '.slipway.yml': 'jobs:\n  build:\n    image: busybox\n    steps:\n      - run: echo hi\n',
  });
  const { repo } = await deps.repos.add({ fullName: 'acme/heal', forge: 'github', cloneUrl: git.dir });
  const [run] = await startRuns(deps, repo, {
    event: {
      kind: 'push',
      branch: 'main',
      repo: { name: repo.fullName, url: git.dir },
      commit: { sha: git.sha, message: 'change', author: 'Ada <ada@example.com>' },
    },
    fromFork: false,
  });
  assert.ok(run);
  template = await settled(run.id);
  assert.equal(template.status, 'success');
});

async function settled(runId: string, timeoutMs = 20_000): Promise<RunRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(deps.redis, runId);
    if (run && !['pending', 'running'].includes(run.status)) return run;
    if (Date.now() > until) assert.fail(`run ${runId} still ${run?.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A copy of the template run as createRun stores it, before anything queues its jobs. */
async function storedRun(): Promise<RunRecord> {
  const jobs = await getJobs(deps.redis, template.jobs);
  return createRun(deps.redis, {
    id: newRunId(),
    repo: template.repo,
    number: await nextRunNumber(deps.redis, template.repo),
    pipeline: template.pipeline,
    file: template.file,
    status: 'pending',
    trigger: template.trigger,
    problems: [],
    jobs: jobs.map((j) => ({ planId: j.planId, name: j.name, layer: j.layer, spec: j.spec })),
  });
}

describe('the reconciler', () => {
  it('queues a run that was stored but never queued, and it succeeds; a finished run leaves the active list', async () => {
    const run = await storedRun();
    await sleep(300);
    assert.equal((await getRun(deps.redis, run.id))?.status, 'pending', 'nothing queues it by itself');
    await reconcileRuns(deps);
    assert.equal((await settled(run.id)).status, 'success');
    assert.ok((await activeRunIds(deps.redis)).includes(run.id), 'listed until a pass sees it final');
    await reconcileRuns(deps);
    assert.ok(!(await activeRunIds(deps.redis)).includes(run.id));
  });

  it('queues again a job its queue lost', async () => {
    const run = await storedRun();
    const [id] = run.jobs as [string];
    await updateJob(deps.redis, id, (j) => ({ ...j, state: 'queued', queuedAt: Date.now() }));
    const tally = await reconcileRuns(deps);
    assert.equal(tally.restored, 1);
    assert.equal((await settled(run.id)).status, 'success');
  });

  it('leaves a job that finished and left its queue while its result waits to be applied', async () => {
    const run = await storedRun();
    const [id] = run.jobs as [string];
    const [job] = await getJobs(deps.redis, [id]);
    assert.ok(job);
    await updateJob(deps.redis, id, (j) => ({ ...j, state: 'running', attempts: 1, runner: 'r1' }));
    await deps.redis.set(wireKeys.attempts(id), '1');
    // The runner finished the job (it left its queue) and its result is on its way: marked
    // pending, as a runner's send marks it, while its stream entry is not in yet.
    await deps.redis.hset(wireKeys.reportsPending, finishedReportId(id, 1), '1');
    const result = makeJobResult(job.spec.job, 'success', { attempts: 1 });
    const report = {
      version: WIRE_VERSION,
      jobId: id,
      runner: 'r1',
      attempt: 1,
      event: { version: JOB_EVENT_VERSION, jobId: job.spec.job.id, type: 'job-finished', result },
    } as const;
    const tally = await reconcileRuns(deps);
    assert.equal(tally.restored + tally.requeued, 0, 'not queued again: its result is on the way');
    assert.equal((await getJobs(deps.redis, [id]))[0]?.state, 'running');
    await reportSender(deps.redis).send([report]);
    const done = await settled(run.id);
    assert.equal(done.status, 'success');
    const [after] = await getJobs(deps.redis, [id]);
    assert.equal(after?.runner, 'r1', 'the result applied is the one that waited, run once');
    // Acknowledged (and unmarked) right after it was applied.
    for (let i = 0; i < 40 && (await deps.queue.finishPending(id)); i++) await sleep(50);
    assert.equal(await deps.queue.finishPending(id), false, 'applied: no longer marked on its way');
  });

  it('fails a job its queue failed without a result, with the reason, and ends the run', async () => {
    const run = await storedRun();
    const [id] = run.jobs as [string];
    const [job] = await getJobs(deps.redis, [id]);
    assert.ok(job);
    // A runner that cannot read the queued job fails it at once (UnrecoverableError), reporting nothing.
    const queue = new Queue(jobQueueName(job.spec.labels), { connection: deps.redis, prefix: KEY_PREFIX });
    onCleanup(() => queue.close());
    await queue.add(job.name, { version: 99, jobId: id }, { jobId: id });
    await updateJob(deps.redis, id, (j) => ({ ...j, state: 'queued', queuedAt: Date.now() }));
    const failed = async () => (await queue.getJob(id))?.failedReason;
    for (let i = 0; !(await failed()) && i < 200; i++) await sleep(50);
    assert.ok(await failed(), 'a runner failed it');
    await sleep(300);
    assert.equal((await getJobs(deps.redis, [id]))[0]?.state, 'queued', 'no result came by itself');
    const tally = await reconcileRuns(deps);
    assert.equal(tally.failed, 1);
    const done = await settled(run.id);
    assert.equal(done.status, 'failure');
    const [after] = await getJobs(deps.redis, [id]);
    assert.match(after?.error?.message ?? '', /^the runner could not run this job: .*queued job/);
  });
});
