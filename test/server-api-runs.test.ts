import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import type { Redis } from '../lib/redis.js';
import { jobQueueName, KEY_PREFIX, RUNNER_OFFLINE_MS, wireKeys } from '../pipelines/index.js';
import {
  jobRoutes,
  onApiError,
  onApiNotFound,
  repoRunRoutes,
  runnerRoutes,
  type runnerView,
  runRoutes,
  type runSummary,
  type runView,
} from '../server/api/index.js';
import { type RunsDeps, startRuns } from '../server/runs/index.js';
import { createApiToken, type Repo } from '../server/store/index.js';
import { createFakeExecutor, type FakeJob } from './helpers/fake-executor.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { startScriptedFleet, testRunsDeps } from './helpers/runs-deps.js';

/**
 * The runs, jobs and runners routes through app.request over real Redis, BullMQ and git, with
 * two runners on a scripted executor: lists with filters and pages, private repositories closed
 * to anonymous callers, pending reasons, cancel, whole and failed-jobs re-runs (a carried job is
 * not executed again), manual triggers at a branch head, and the runners' states.
 */
let redis: Redis;
let deps: RunsDeps;
let app: Hono;
let admin: string;

const script: Record<string, FakeJob> = {
  hang: { steps: { work: { hang: true } } },
  hang2: { steps: { work: { hang: true } } },
  hang3: { steps: { work: { hang: true } } },
  hang4: { steps: { work: { hang: true } } },
  flaky: { steps: { work: { exitCode: 1 } } },
  slow: { steps: { work: { durationMs: 300 } } },
};
const executor = createFakeExecutor(script);

before(async () => {
  deps = await testRunsDeps();
  redis = deps.redis;
  // Two runners with one slot each, as in a small fleet; the executor is scripted (no root).
  await startScriptedFleet(deps, executor);
  app = new Hono()
    .route('/api/repos', repoRunRoutes(deps))
    .route('/api/runs', runRoutes(deps))
    .route('/api/jobs', jobRoutes(deps))
    .route('/api/runners', runnerRoutes(deps));
  app.onError(onApiError).notFound(onApiNotFound);
  admin = await createApiToken(redis, 'admin');
});

type RunJson = Awaited<ReturnType<typeof runView>>;
type JobJson = RunJson['jobs'][number];
type RunnerJson = ReturnType<typeof runnerView>;
type ListJson = { runs: ReturnType<typeof runSummary>[] };
type ErrorJson = { error: string; message: string };

/** A request to the app; `T` is what the answer's JSON is read as (errors: ErrorJson). */
async function call<T = ErrorJson>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const res = await app.request(path, { method, headers, body });
  return { status: res.status, json: (await res.json()) as T };
}

/** GET with the admin token, or with none when `token` is null. */
const get = <T = ErrorJson>(path: string, token: string | null = admin) =>
  call<T>('GET', path, token === null ? {} : { token });

async function repoWith(pipeline: string, opts: { public?: boolean } = {}) {
  const source = await testGitRepo({ '.slipway.yml': pipeline });
  const fullName = `acme/r${randomBytes(4).toString('hex')}`;
  const { repo } = await deps.repos.add({ fullName, forge: 'github', cloneUrl: source.dir, ...opts });
  return { repo, source };
}

function push(repo: Repo, sha: string, branch = 'main') {
  return startRuns(deps, repo, {
    event: {
      kind: 'push',
      branch,
      repo: { name: repo.fullName, url: 'https://example.invalid/not-used.git' },
      commit: { sha, message: 'change', author: 'Ada <ada@example.com>' },
    },
    fromFork: false,
  });
}

/** Polls `GET path` until `done` holds for the answer. */
async function until<T = RunJson>(path: string, done: (j: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await get<T>(path);
    if (done(json)) return json;
    if (Date.now() > end) assert.fail(`${path} never got there: ${JSON.stringify(json)}`);
    await sleep(50);
  }
}

const finished = (id: string) =>
  until(`/api/runs/${id}`, (r) => !['pending', 'running'].includes(r.status as string));

const job = (name: string, extra = '') =>
  `  ${name}:\n    image: busybox\n${extra}    steps:\n      - name: work\n        run: echo ${name}\n`;

const byName = (run: RunJson): Record<string, JobJson> =>
  Object.fromEntries(run.jobs.map((j) => [j.name, j]));
const executedIn = (runId: string) =>
  executor.calls
    .filter((s) => s.run.id === runId)
    .map((s) => s.job.name)
    .sort();

describe('runs of a repository', () => {
  it('lists newest first, filtered by branch and status, in pages; a bad query is a 400', async () => {
    const { repo, source } = await repoWith(`jobs:\n${job('a')}`, { public: true });
    const made = [
      ...(await push(repo, source.sha)),
      ...(await push(repo, source.sha)),
      ...(await push(repo, source.sha, 'dev')),
      ...(await push(repo, 'f'.repeat(40))),
    ];
    for (const r of made) await finished(r.id);
    const base = `/api/repos/${repo.fullName}/runs`;
    const numbers = async (query: string) => {
      const { status, json } = await get<ListJson>(`${base}${query}`, null);
      assert.equal(status, 200, JSON.stringify(json));
      return json.runs.map((r) => r.number);
    };
    assert.deepEqual(await numbers(''), [4, 3, 2, 1]);
    const { json } = await get<ListJson>(base, null);
    const [newest, dev] = json.runs;
    assert.equal(newest?.status, 'error');
    assert.equal(newest?.id, made[3]?.id);
    assert.deepEqual(dev?.trigger, {
      kind: 'push',
      branch: 'dev',
      commit: { sha: source.sha, message: 'change', author: 'Ada <ada@example.com>' },
      fromFork: false,
    });
    assert.equal(dev?.status, 'success');
    const [started, ended] = [dev?.startedAt ?? Number.NaN, dev?.finishedAt ?? Number.NaN];
    assert.ok(started <= ended && dev?.durationMs === ended - started, JSON.stringify(dev));
    assert.deepEqual(await numbers('?branch=dev'), [3]);
    assert.deepEqual(await numbers('?status=error'), [4]);
    assert.deepEqual(await numbers('?status=success&branch=main'), [2, 1]);
    assert.deepEqual(await numbers('?per_page=2&page=2'), [2, 1]);
    assert.deepEqual(await numbers('?per_page=3&page=3'), []);
    for (const bad of ['?status=exploded', '?per_page=0', '?page=-1', '?colour=red']) {
      const res = await get(`${base}${bad}`);
      assert.equal(res.status, 400, bad);
      assert.deepEqual(Object.keys(res.json), ['error', 'message']);
      assert.equal(res.json.error, 'invalid_input');
    }
    assert.match((await get(`${base}?status=exploded`)).json.message, /query\.status/);
  });

  it("a private repository's runs, run and jobs need a token; unknown ones say nothing without one", async () => {
    const { repo, source } = await repoWith(`jobs:\n${job('a')}`);
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    const jobId = run.jobs[0];
    const paths = [`/api/repos/${repo.fullName}/runs`, `/api/runs/${run.id}`, `/api/jobs/${jobId}`];
    for (const path of paths) {
      const anon = await get(path, null);
      assert.equal(anon.status, 401, path);
      assert.deepEqual(Object.keys(anon.json), ['error', 'message']);
      assert.equal((await get(path)).status, 200, path);
    }
    for (const path of ['/api/runs/nosuchrun000', `/api/jobs/${run.id}-9`, '/api/runs/..%2Fx']) {
      assert.equal((await get(path, null)).status, 401, path);
      const known = await get(path);
      assert.equal(known.status, 404, path);
      assert.equal(known.json.error, 'not_found');
    }
    assert.equal((await get(`/api/runs/${run.id}`, 'slp_not-a-token')).status, 401);
    await finished(run.id);
  });
});

describe('a run and its jobs', () => {
  it('says why jobs wait; a cancel through the API stops the running one and cancels the rest', async () => {
    const { repo, source } = await repoWith(
      `jobs:\n${job('hang', '    runs-on: [linux]\n')}${job('next', '    needs: hang\n')}${job('gpu', '    runs-on: [gpu]\n')}`,
    );
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    const shown = await until(
      `/api/runs/${run.id}`,
      (r) => r.status === 'running' && byName(r).hang?.steps[0]?.status === 'running',
    );
    const jobs = byName(shown);
    assert.equal(jobs.gpu?.state, 'queued');
    assert.equal(jobs.gpu?.pendingReason, 'no runner online with labels [gpu]');
    assert.deepEqual(jobs.gpu?.labels, ['gpu']);
    assert.equal(jobs.next?.state, 'waiting');
    assert.equal(jobs.next?.pendingReason, 'waiting for jobs hang');
    assert.deepEqual(jobs.next?.needs, [jobs.hang?.planId]);
    assert.equal(jobs.hang?.pendingReason, undefined);
    assert.match(jobs.hang?.runner ?? '', /^r[12]$/);
    assert.equal(jobs.hang?.steps[0]?.status, 'running');
    const one = await get<JobJson>(`/api/jobs/${jobs.gpu?.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.pendingReason, 'no runner online with labels [gpu]');
    assert.equal(one.json.runId, run.id);

    assert.equal((await call('POST', `/api/runs/${run.id}/cancel`)).status, 401);
    const cancelled = await call<RunJson>('POST', `/api/runs/${run.id}/cancel`, { token: admin });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.json.status, 'cancelled');
    const after = await until(`/api/runs/${run.id}`, (r) => r.jobs.every((j) => j.state === 'cancelled'));
    assert.equal(after.status, 'cancelled');
    assert.ok(byName(after).hang?.error, 'the stopped job says why');
    assert.equal((await call('POST', '/api/runs/nosuchrun000/cancel', { token: admin })).status, 404);
  });

  it('a queued job behind busy runners shows its place in the queue and an estimate from recent jobs', async () => {
    const linux = jobQueueName(['linux']);
    await redis.del(`${KEY_PREFIX}:durations:${linux}`);
    const warm = await repoWith(`jobs:\n${job('slow')}`);
    const [first] = await push(warm.repo, warm.source.sha);
    await until(`/api/runs/${first?.id}`, (r) => r.status === 'success');
    const { repo, source } = await repoWith(
      `jobs:\n${['hang', 'hang2', 'hang3', 'hang4'].map((n) => job(n)).join('')}`,
    );
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    const shown = await until(
      `/api/runs/${run.id}`,
      (r) =>
        r.jobs.filter((j) => j.state === 'running').length === 2 &&
        r.jobs.filter((j) => j.queuePosition).length === 2,
    );
    const queued = shown.jobs
      .filter((j) => j.state === 'queued')
      .sort((a, b) => (a.queuePosition ?? 0) - (b.queuePosition ?? 0));
    assert.deepEqual(
      queued.map((j) => j.queuePosition),
      [1, 2],
    );
    assert.match(
      queued[0]?.pendingReason ?? '',
      /^all 2 matching runners busy; 1st in the queue, about \d+ s \(recent jobs took \d+ s\)$/,
    );
    assert.match(queued[1]?.pendingReason ?? '', /; 2nd in the queue, about/);
    await call('POST', `/api/runs/${run.id}/cancel`, { token: admin });
    await until(`/api/runs/${run.id}`, (r) => r.jobs.every((j) => j.state === 'cancelled'));
  });

  it('a whole re-run is a new run with a new number, linked to the old, running every job again', async () => {
    const { repo, source } = await repoWith(`jobs:\n${job('first')}${job('second', '    needs: first\n')}`);
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    assert.equal((await finished(run.id)).status, 'success');
    assert.equal((await call('POST', `/api/runs/${run.id}/rerun`)).status, 401);
    const res = await call<RunJson>('POST', `/api/runs/${run.id}/rerun`, { token: admin });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.number, run.number + 1);
    assert.equal(res.json.rerunOf, run.id);
    assert.deepEqual(res.json.trigger, { ...run.trigger });
    const again = await finished(res.json.id);
    assert.equal(again.status, 'success');
    assert.deepEqual(executedIn(res.json.id), ['first', 'second']);
    assert.ok(again.jobs.every((j) => j.reusedFrom === undefined));
    const failedOnly = await call('POST', `/api/runs/${run.id}/rerun?failed=true`, { token: admin });
    assert.equal(failedOnly.status, 409);
    assert.equal(failedOnly.json.error, 'nothing_failed');
    const bad = await call('POST', `/api/runs/${run.id}/rerun?failed=maybe`, { token: admin });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /query\.failed/);
  });

  it('a failed-jobs re-run carries the job that succeeded and runs the failed one and its dependent', async () => {
    const { repo, source } = await repoWith(
      `jobs:\n${job('steady')}${job('flaky')}${job('final', '    needs: [steady, flaky]\n')}`,
    );
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    const first = await finished(run.id);
    assert.equal(first.status, 'failure');
    assert.deepEqual(Object.fromEntries(Object.entries(byName(first)).map(([n, j]) => [n, j.state])), {
      steady: 'success',
      flaky: 'failure',
      final: 'skipped',
    });
    script.flaky = {}; // fixed: it passes from now on
    const res = await call<RunJson>('POST', `/api/runs/${run.id}/rerun?failed=true`, {
      token: admin,
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.rerunOf, run.id);
    assert.equal(byName(res.json).steady?.state, 'success');
    const again = await finished(res.json.id);
    assert.equal(again.status, 'success');
    const jobs = byName(again);
    assert.equal(jobs.steady?.reusedFrom, byName(first).steady?.id);
    assert.deepEqual(jobs.steady?.steps, byName(first).steady?.steps);
    assert.equal(jobs.flaky?.reusedFrom, undefined);
    assert.equal(jobs.final?.state, 'success');
    assert.deepEqual(executedIn(res.json.id), ['final', 'flaky'], 'steady is not executed again');
    assert.deepEqual(executedIn(run.id), ['flaky', 'steady']);
  });
});

describe('manual triggers', () => {
  it("a branch's head runs as a manual run; the default branch without a body; unknown branch 404", async () => {
    const { repo, source } = await repoWith(`jobs:\n${job('a')}`);
    const mainHead = await source.commit({ 'README.md': 'hi\n' }, 'second on main');
    git(source.dir, 'checkout', '-q', '-b', 'feature');
    const featureHead = await source.commit({ 'src.txt': 'x\n' }, 'feature work\n\nwith a body');
    const path = `/api/repos/${repo.fullName}/trigger`;
    assert.equal((await call('POST', path, { body: { branch: 'feature' } })).status, 401);
    const res = await call<{ runs: RunJson[] }>('POST', path, { token: admin, body: { branch: 'feature' } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const [run] = res.json.runs;
    assert.deepEqual(run?.trigger, {
      kind: 'manual',
      branch: 'feature',
      commit: { sha: featureHead, message: 'feature work', author: 'manual trigger by admin' },
      fromFork: false,
    });
    assert.equal((await finished(run?.id)).status, 'success');

    const plain = await call<{ runs: RunJson[] }>('POST', path, { token: admin });
    assert.equal(plain.status, 201, JSON.stringify(plain.json));
    const [manual] = plain.json.runs;
    assert.equal(manual?.trigger.branch, 'main');
    assert.equal(manual?.trigger.commit.sha, mainHead);
    await finished(manual?.id ?? '');

    const missing = await call('POST', path, { token: admin, body: { branch: 'nope' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'unknown_branch');
    assert.match(missing.json.message, /no branch "nope"/);
    const noCommit = await call('POST', path, { token: admin, body: { commit: 'e'.repeat(40) } });
    assert.equal(noCommit.status, 404);
    assert.match(noCommit.json.message, /commit e{40}/);
    for (const body of [
      { commit: 'abc' },
      { colour: 'red' },
      { branch: '--upload-pack=x' },
      { branch: 'a..b' },
      'main',
    ]) {
      const bad = await call('POST', path, { token: admin, body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(bad.json), ['error', 'message']);
    }
    const gone = await call('POST', '/api/repos/acme/unknown/trigger', { token: admin });
    assert.equal(gone.status, 404);
    assert.equal((await get<ListJson>(`/api/repos/${repo.fullName}/runs`)).json.runs.length, 2);
  });
});

describe('runners', () => {
  it('shows each runner busy or idle, draining, and offline once its heartbeats stop', async () => {
    assert.equal((await get('/api/runners', null)).status, 401);
    const state = (list: RunnerJson[], name: string) => list.find((r) => r.name === name)?.state;
    await until<RunnerJson[]>('/api/runners', (l) => state(l, 'r1') === 'idle' && state(l, 'r2') === 'idle');
    const { repo, source } = await repoWith(`jobs:\n${job('hang')}`);
    const [run] = await push(repo, source.sha);
    assert.ok(run);
    const busy = await until<RunnerJson[]>('/api/runners', (l) => l.some((r) => r.state === 'busy'));
    const [taker] = busy.filter((r) => r.state === 'busy');
    assert.deepEqual(taker?.running, [run.jobs[0]]);
    assert.equal(taker?.free, 0);
    assert.deepEqual(taker?.labels, ['linux']);
    assert.ok(taker?.lastSeen.agoMs < RUNNER_OFFLINE_MS);
    assert.ok(Math.abs(Date.parse(taker?.lastSeen.at) - (Date.now() - taker?.lastSeen.agoMs)) < 1_000);
    assert.equal(busy.filter((r) => r.state === 'idle').length, 1);

    const beat = (name: string, lastSeen: number, draining = false) =>
      redis.hset(
        wireKeys.runners,
        name,
        JSON.stringify({ name, labels: ['linux', 'gpu'], concurrency: 2, running: [], lastSeen, draining }),
      );
    await beat('gone', Date.now() - RUNNER_OFFLINE_MS - 5_000);
    await beat('leaving', Date.now(), true);
    await redis.hset(wireKeys.runners, 'garbled', 'not json');
    const list = (await get<RunnerJson[]>('/api/runners')).json;
    assert.deepEqual(
      list.map((r) => r.name),
      ['gone', 'leaving', 'r1', 'r2'],
    );
    assert.equal(state(list, 'gone'), 'offline');
    assert.ok((list.find((r) => r.name === 'gone')?.lastSeen.agoMs ?? 0) >= RUNNER_OFFLINE_MS + 5_000);
    assert.equal(state(list, 'leaving'), 'draining');
    await redis.hdel(wireKeys.runners, 'gone', 'leaving', 'garbled');

    await call('POST', `/api/runs/${run.id}/cancel`, { token: admin });
    await until<RunnerJson[]>('/api/runners', (l) => state(l, 'r1') === 'idle' && state(l, 'r2') === 'idle');
  });
});
