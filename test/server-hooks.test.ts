import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { Hono } from 'hono';
import type { Redis } from '../lib/redis.js';
import { wireKeys } from '../pipelines/index.js';
import { hookRoutes, onApiError, onApiNotFound } from '../server/api/index.js';
import { startRuns, webhookRunRequest } from '../server/runs/index.js';
import { listRuns } from '../server/store/index.js';
import { testGitRepo } from './helpers/git-repo.js';
import { testRunsDeps } from './helpers/runs-deps.js';

/**
 * `POST /hooks/*` over real Redis and git: a signed GitHub push of a registered repository starts
 * a run from the registered clone URL; a redelivery, a wrong signature, an endpoint of another
 * forge and a branch deletion start none.
 */
type Json = Record<string, unknown>;
const definitions = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8'),
) as { name: string; examples: Json[] }[];
const pushExample = (pick: (e: Json) => boolean) =>
  structuredClone(
    definitions.find((d) => d.name === 'push')?.examples.find(pick) ?? assert.fail('no push example'),
  );

const SECRET = `whsec-${randomBytes(8).toString('hex')}`;
const FULL_NAME = 'Codertocat/Hello-World';
let redis: Redis;
let app: Hono;
let sha: string;
let cloneUrl: string;

before(async () => {
  const deps = await testRunsDeps();
  redis = deps.redis;
  const { repos } = deps;
  const git = await testGitRepo({
    '.slipway.yml': 'jobs:\n  test:\n    image: busybox\n    steps:\n      - run: echo ok\n',
  });
  sha = git.sha;
  cloneUrl = git.dir;
  await repos.add({ fullName: FULL_NAME, forge: 'github', cloneUrl: git.dir, webhookSecret: SECRET });
  app = new Hono().route(
    '/hooks',
    hookRoutes({
      redis,
      repos,
      start: (repo, o) => startRuns(deps, repo, webhookRunRequest(o)),
    }),
  );
  app.onError(onApiError).notFound(onApiNotFound);
});

function deliver(
  path: string,
  payload: Json,
  opts: { delivery?: string; secret?: string; event?: string } = {},
) {
  const body = JSON.stringify(payload);
  const sig = `sha256=${createHmac('sha256', opts.secret ?? SECRET)
    .update(body)
    .digest('hex')}`;
  return app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-GitHub-Event': opts.event ?? 'push',
      'X-GitHub-Delivery': opts.delivery ?? randomBytes(8).toString('hex'),
      'X-Hub-Signature-256': sig,
    },
    body,
  });
}

function branchPush(): Json {
  const p = pushExample((e) => e.ref === 'refs/heads/master');
  p.after = sha;
  (p.head_commit as Json).id = sha;
  return p;
}

const runCount = async () => (await listRuns(redis, FULL_NAME, { perPage: 100 })).length;

describe('POST /hooks/github', () => {
  it('a signed push starts a run; its redelivery starts none', async () => {
    const first = await deliver('/hooks/github', branchPush(), { delivery: 'delivery-1' });
    assert.equal(first.status, 201, await first.clone().text());
    const body = (await first.json()) as { runs: { number: number; status: string }[] };
    assert.equal(body.runs.length, 1);
    const [stored] = await listRuns(redis, FULL_NAME);
    assert.equal(body.runs[0]?.status, 'pending', JSON.stringify(stored?.problems));
    const again = await deliver('/hooks/github', branchPush(), { delivery: 'delivery-1' });
    assert.equal(again.status, 200);
    assert.equal(await runCount(), 1);
  });

  it('a verified push tells runners its commit; a rejected one tells nothing', async () => {
    const hints: unknown[] = [];
    const subscriber = redis.duplicate();
    await subscriber.subscribe(wireKeys.prefetchChannel);
    subscriber.on('message', (_c: string, m: string) => hints.push(JSON.parse(m)));
    try {
      assert.equal((await deliver('/hooks/github', branchPush(), { secret: 'wrong' })).status, 401);
      assert.equal((await deliver('/hooks/github', branchPush())).status, 201);
      for (let i = 0; i < 50 && hints.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(hints, [{ version: 1, url: cloneUrl, commit: sha }]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('a wrong signature is 401 and starts nothing', async () => {
    const before = await runCount();
    const res = await deliver('/hooks/github', branchPush(), { secret: 'not-the-secret' });
    assert.equal(res.status, 401);
    assert.equal(await runCount(), before);
  });

  it('the endpoint of another forge is 401 for a GitHub repository, even with a valid signature', async () => {
    const before = await runCount();
    const res = await deliver('/hooks/gitea', branchPush());
    assert.equal(res.status, 401);
    assert.equal(await runCount(), before);
  });

  it('a branch deletion and a ping are accepted and ignored', async () => {
    const before = await runCount();
    const deletion = branchPush();
    Object.assign(deletion, { deleted: true, after: '0'.repeat(40), head_commit: null, commits: [] });
    assert.equal((await deliver('/hooks/github', deletion)).status, 202);
    const ping = structuredClone(
      definitions.find((d) => d.name === 'ping')?.examples[0] ?? assert.fail('no ping example'),
    );
    (ping.repository as Json).full_name = FULL_NAME;
    assert.equal((await deliver('/hooks/github', ping, { event: 'ping' })).status, 202);
    assert.equal(await runCount(), before);
  });

  it('a body over 5 MiB is 413', async () => {
    const res = await app.request('/hooks/github', { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024 + 1) });
    assert.equal(res.status, 413);
  });
});
