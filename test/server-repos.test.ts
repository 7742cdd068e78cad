import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { connectRedis, type Redis } from '../lib/redis.js';
import { makeEvent, parsePipeline, planRun } from '../pipelines/index.js';
import { jobSecretRoutes, onApiError, onApiNotFound, repoRoutes, tokenRoutes } from '../server/api/index.js';
import {
  createApiToken,
  issueJobToken,
  type JobRecord,
  makeKeyring,
  RepoStore,
  type RunRecord,
  revokeJobToken,
} from '../server/store/index.js';
import { onCleanup } from './helpers/cleanup.js';
import { testRedis } from './helpers/redis.js';

/**
 * Repositories, API tokens and secrets through the API routes on a bare Hono app with a real
 * Redis: who may see and change what, that secret material never comes back out, that Redis
 * holds none of it in clear, and the job-scoped secrets endpoint a runner calls.
 */
let redis: Redis;
let repos: RepoStore;
let app: Hono;
let admin: string;
const jobs = new Map<string, JobRecord>();
const runs = new Map<string, RunRecord>();

const WEBHOOK_SECRET = `whsec-${randomBytes(8).toString('hex')}`;
const STATUS_TOKEN = `ghp_${randomBytes(12).toString('hex')}`;
const NPM = `npm-${randomBytes(12).toString('hex')}`;
const OTHER = `other-${randomBytes(12).toString('hex')}`;

before(async () => {
  const server = await testRedis();
  redis = connectRedis(server.url, 'test');
  onCleanup(() => redis.quit());
  repos = new RepoStore(redis, makeKeyring(randomBytes(32)));
  const deps = { redis, repos };
  app = new Hono()
    .route('/api/repos', repoRoutes(deps))
    .route('/api/tokens', tokenRoutes(deps))
    .route(
      '/api/jobs',
      jobSecretRoutes({ ...deps, job: async (id) => jobs.get(id), run: async (id) => runs.get(id) }),
    );
  app.onError(onApiError).notFound(onApiNotFound);
  admin = await createApiToken(redis, 'admin');
});

function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return app.request(path, { method, headers, body });
}

const acme = {
  fullName: 'acme/app',
  forge: 'github',
  cloneUrl: 'https://git.example.com/acme/app.git',
  webhookSecret: WEBHOOK_SECRET,
  statusToken: STATUS_TOKEN,
};
const open = { fullName: 'acme/open', forge: 'gitea', cloneUrl: '/srv/git/open.git', public: true };

describe('repositories', () => {
  it('registers only with an API token, and registering again updates', async () => {
    const anon = await call('POST', '/api/repos', { body: acme });
    assert.equal(anon.status, 401);
    assert.deepEqual(Object.keys(await anon.json()), ['error', 'message']);
    assert.equal(
      (await call('POST', '/api/repos', { token: 'slp_not-a-real-token', body: acme })).status,
      401,
    );
    const first = await call('POST', '/api/repos', { token: admin, body: acme });
    assert.equal(first.status, 201);
    const created = await first.json();
    assert.equal(created.hasWebhookSecret, true);
    assert.equal(created.hasStatusToken, true);
    assert.equal(created.public, false);
    assert.equal(created.defaultBranch, 'main');
    const moved = {
      fullName: 'acme/app',
      forge: 'github',
      cloneUrl: 'ssh://git@git.example.com/acme/app.git',
    };
    const again = await call('POST', '/api/repos', {
      token: admin,
      body: { ...moved, defaultBranch: 'trunk' },
    });
    assert.equal(again.status, 200);
    const updated = await again.json();
    assert.equal(updated.cloneUrl, moved.cloneUrl);
    assert.equal(updated.defaultBranch, 'trunk');
    assert.equal(updated.createdAt, created.createdAt);
    assert.equal(updated.hasWebhookSecret, true, 'the webhook secret stays when left out');
    assert.equal(await repos.webhookSecret('acme/app'), WEBHOOK_SECRET);
    assert.equal(await repos.statusToken('acme/app'), STATUS_TOKEN);
    assert.equal((await call('POST', '/api/repos', { token: admin, body: open })).status, 201);
  });

  it('refuses bad input with 400 naming the fields', async () => {
    const bad = { fullName: 'no-slash', forge: 'svn', cloneUrl: '--upload-pack=touch /tmp/pwned' };
    const res = await call('POST', '/api/repos', { token: admin, body: bad });
    assert.equal(res.status, 400);
    const err = await res.json();
    assert.equal(err.error, 'invalid_input');
    for (const field of ['body.fullName', 'body.forge', 'body.cloneUrl'])
      assert.match(err.message, new RegExp(field));
    const ext = { ...acme, fullName: 'acme/ext', cloneUrl: 'ext::sh -c touch% /tmp/pwned' };
    assert.equal((await call('POST', '/api/repos', { token: admin, body: ext })).status, 400);
    const gitea = { fullName: 'acme/g', forge: 'gitea', cloneUrl: '/srv/g.git', statusToken: 'tok' };
    assert.match(
      (await (await call('POST', '/api/repos', { token: admin, body: gitea })).json()).message,
      /body\.apiUrl/,
    );
    const notJson = await app.request('/api/repos', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: '{nope',
    });
    assert.equal(notJson.status, 400);
    assert.equal((await notJson.json()).error, 'invalid_json');
    assert.equal((await repos.list()).length, 2, 'nothing stored');
  });

  it('hides private repositories from callers without a token', async () => {
    const anonList = await (await call('GET', '/api/repos')).json();
    assert.deepEqual(
      anonList.map((r: { fullName: string }) => r.fullName),
      ['acme/open'],
    );
    const all = await (await call('GET', '/api/repos', { token: admin })).json();
    assert.deepEqual(
      all.map((r: { fullName: string }) => r.fullName),
      ['acme/app', 'acme/open'],
    );
    const priv = await call('GET', '/api/repos/acme/app');
    const unknown = await call('GET', '/api/repos/acme/nothing');
    assert.equal(priv.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(
      await priv.json(),
      await unknown.json(),
      'a private repository looks like an unknown one',
    );
    assert.equal((await call('GET', '/api/repos/acme/open')).status, 200);
    assert.equal((await call('GET', '/api/repos/acme/app', { token: admin })).status, 200);
    assert.equal((await call('GET', '/api/repos/acme/nothing', { token: admin })).status, 404);
    assert.equal((await call('GET', '/api/nothing')).status, 404);
  });

  it('takes secrets but never returns a value, and lists their names only with a token', async () => {
    const put = (name: string, value: string, token?: string) =>
      call('PUT', `/api/repos/acme/app/secrets/${name}`, { token, body: { value } });
    assert.equal((await put('NPM_TOKEN', NPM)).status, 401);
    assert.equal((await put('NPM_TOKEN', NPM, admin)).status, 204);
    assert.equal((await put('OTHER', OTHER, admin)).status, 204);
    assert.equal((await put('CI_TOKEN', OTHER, admin)).status, 400, 'CI_* names are reserved');
    assert.equal((await put('bad-name', OTHER, admin)).status, 400);
    assert.equal(
      (await call('PUT', '/api/repos/acme/none/secrets/X', { token: admin, body: { value: 'v' } })).status,
      404,
    );
    assert.equal((await call('GET', '/api/repos/acme/app/secrets')).status, 401);
    const names = await call('GET', '/api/repos/acme/app/secrets', { token: admin });
    assert.deepEqual(await names.json(), { names: ['NPM_TOKEN', 'OTHER'] });
    const shown = [
      await (await call('GET', '/api/repos/acme/app', { token: admin })).text(),
      await (await call('GET', '/api/repos', { token: admin })).text(),
    ].join('\n');
    for (const v of [NPM, OTHER, WEBHOOK_SECRET, STATUS_TOKEN])
      assert.ok(!shown.includes(v), 'a secret value came back');
    assert.match(shown, /"secretNames":\["NPM_TOKEN","OTHER"\]/);
  });
});

describe('job-scoped secrets', () => {
  const runId = 'run1abcd';
  const jobId = `${runId}-1`;
  const otherJob = `${runId}-2`;
  let jobToken: string;

  before(async () => {
    const spec = planSpec(['NPM_TOKEN', 'MISSING']);
    const run = {
      id: runId,
      repo: 'acme/app',
      number: 1,
      pipeline: 'default',
      file: '.slipway.yml',
      status: 'running',
      trigger: {
        kind: 'push',
        branch: 'main',
        commit: { sha: 'a'.repeat(40), message: 'm', author: 'a' },
        fromFork: false,
      },
      jobs: [jobId, otherJob],
      problems: [],
      createdAt: Date.now(),
    } satisfies RunRecord;
    runs.set(runId, run);
    const job = (id: string): JobRecord => ({
      id,
      runId,
      planId: 'job',
      layer: 0,
      name: 'job',
      state: 'running',
      spec,
      steps: [],
      attempts: 1,
      allowedFailure: false,
    });
    jobs.set(jobId, job(jobId));
    jobs.set(otherJob, job(otherJob));
    jobToken = await issueJobToken(redis, jobId, 60_000);
  });

  const fetchSecrets = (id: string, token?: string) => call('GET', `/api/jobs/${id}/secrets`, { token });

  it('gives a running job only the secrets its JobSpec names', async () => {
    const res = await fetchSecrets(jobId, jobToken);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { NPM_TOKEN: NPM });
  });

  it('refuses without the job token, with an API token, or for another job', async () => {
    assert.equal((await fetchSecrets(jobId)).status, 401);
    assert.equal((await fetchSecrets(jobId, admin)).status, 401);
    assert.equal((await fetchSecrets(jobId, `slj_${randomBytes(32).toString('base64url')}`)).status, 401);
    const other = await fetchSecrets(otherJob, jobToken);
    assert.equal(other.status, 403);
    assert.ok(!(await other.text()).includes(NPM));
  });

  it('refuses a pull request from a fork', async () => {
    const run = runs.get(runId) as RunRecord;
    runs.set(runId, { ...run, trigger: { ...run.trigger, kind: 'pull_request', fromFork: true } });
    try {
      const res = await fetchSecrets(jobId, jobToken);
      assert.equal(res.status, 403);
      assert.match((await res.json()).message, /fork/);
    } finally {
      runs.set(runId, run);
    }
  });

  it('refuses once the job ended, and after its token is revoked', async () => {
    const job = jobs.get(jobId) as JobRecord;
    jobs.set(jobId, { ...job, state: 'success' });
    assert.equal((await fetchSecrets(jobId, jobToken)).status, 409);
    jobs.set(jobId, job);
    assert.equal((await fetchSecrets(jobId, jobToken)).status, 200);
    await revokeJobToken(redis, jobId);
    assert.equal((await fetchSecrets(jobId, jobToken)).status, 401);
  });
});

describe('API tokens', () => {
  it('are made, listed by name and revoked through the API', async () => {
    assert.equal((await call('POST', '/api/tokens', { body: { name: 'ci' } })).status, 401);
    const made = await call('POST', '/api/tokens', { token: admin, body: { name: 'ci' } });
    assert.equal(made.status, 201);
    const { token } = await made.json();
    assert.match(token, /^slp_[A-Za-z0-9_-]{43}$/);
    assert.equal((await call('GET', '/api/repos/acme/app', { token })).status, 200);
    const listed = await (await call('GET', '/api/tokens', { token })).text();
    assert.match(listed, /"name":"ci"/);
    assert.ok(!listed.includes(token) && !listed.includes(admin));
    assert.equal((await call('DELETE', '/api/tokens/ci', { token: admin })).status, 200);
    assert.equal((await call('GET', '/api/repos/acme/app', { token })).status, 401);
  });
});

describe('Redis at rest', () => {
  it('holds no secret value, webhook secret, status token or API token in clear, in any key or the AOF', async () => {
    await issueJobToken(redis, 'run1abcd-2', 60_000);
    const dump = await everything(redis);
    assert.ok(dump.includes('acme/app'), 'the scan saw the repository');
    for (const [what, v] of Object.entries({ NPM, OTHER, WEBHOOK_SECRET, STATUS_TOKEN, admin }))
      assert.ok(!dump.includes(v), `${what} is in Redis in clear`);
    await redis.bgrewriteaof().catch(() => undefined);
    await rewriteDone(redis);
    const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
    const files = await filesUnder(dir);
    assert.ok(files.length > 0, `no files under Redis's dir ${dir}`);
    const disk = (await Promise.all(files.map((f) => readFile(f, 'latin1')))).join('\n');
    assert.ok(disk.includes('acme/app'), 'the AOF holds the repository');
    for (const [what, v] of Object.entries({ NPM, OTHER, WEBHOOK_SECRET, STATUS_TOKEN, admin }))
      assert.ok(!disk.includes(v), `${what} is in Redis's files in clear`);
  });
});

/** Waits until Redis has no AOF rewrite running or scheduled (its temp files are gone then). */
async function rewriteDone(r: Redis): Promise<void> {
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    const info = await r.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.fail('the AOF rewrite did not finish within 10 s');
}

/** Every key's name and contents (by type) and its DUMP, as one string. */
async function everything(r: Redis): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await r.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      const type = await r.type(key);
      out.push(key, type);
      if (type === 'string') out.push((await r.get(key)) ?? '');
      if (type === 'hash') out.push(JSON.stringify(await r.hgetall(key)));
      if (type === 'set') out.push(...(await r.smembers(key)));
      if (type === 'zset') out.push(...(await r.zrange(key, '0', '-1')));
      if (type === 'list') out.push(...(await r.lrange(key, 0, -1)));
      out.push(((await r.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('latin1'));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function planSpec(secrets: string[]) {
  const text = `image: busybox:latest\njobs:\n  job:\n    secrets: [${secrets.join(', ')}]\n    steps:\n      - run: 'true'\n`;
  const parsed = parsePipeline(text, '.slipway.yml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const planned = planRun(parsed, makeEvent({ run: { id: 'run1abcd', number: 1 } }));
  if (!planned.ok) throw new Error(planned.errors.map((e) => e.message).join('\n'));
  const spec = planned.plan.jobs[0]?.spec;
  assert.ok(spec);
  return spec;
}
