import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { connectRedis, type Redis } from '../lib/redis.js';
import { onApiError, onApiNotFound, repoRoutes, tokenRoutes } from '../server/api/index.js';
import { makeKeyring, RepoStore, verifyApiToken } from '../server/store/index.js';
import { onCleanup } from './helpers/cleanup.js';
import { testRedis } from './helpers/redis.js';
import { slipwayCli } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

/**
 * `slipway token create` (offline into Redis, and through the API) and `slipway repo add|list|
 * secret set`, run as the real CLI against the repository and token routes on a real listener.
 */
let redisUrl: string;
let redis: Redis;
let repos: RepoStore;
let server: string;

before(async () => {
  const r = await testRedis();
  redisUrl = r.url;
  redis = connectRedis(r.url, 'test');
  onCleanup(() => redis.quit());
  repos = new RepoStore(redis, makeKeyring(randomBytes(32)));
  const app = new Hono()
    .route('/api/repos', repoRoutes({ redis, repos }))
    .route('/api/tokens', tokenRoutes({ redis }));
  app.onError(onApiError).notFound(onApiNotFound);
  const listener = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => listener.once('listening', resolve));
  onCleanup(() => new Promise((resolve) => listener.close(resolve)));
  server = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
});

const TOKEN_LINE = /^slp_[A-Za-z0-9_-]{43}\n$/;

test('token create --redis bootstraps an admin token offline; token create then works through the API', async () => {
  const boot = await slipwayCli(['token', 'create', '--name', 'admin', '--redis', redisUrl]);
  assert.equal(boot.code, 0, boot.err);
  assert.match(boot.out, TOKEN_LINE, 'the token alone on stdout');
  const admin = boot.out.trim();
  assert.equal((await verifyApiToken(redis, admin))?.name, 'admin');

  const denied = await slipwayCli(['token', 'create', '--name', 'ci', '--server', server], {
    SLIPWAY_TOKEN: '',
  });
  assert.equal(denied.code, 1);
  assert.equal(denied.out, '');
  assert.match(denied.err, /server answered 401 unauthorized: .*pass --token or set SLIPWAY_TOKEN/);

  const made = await slipwayCli(['token', 'create', '--name', 'ci'], {
    SLIPWAY_SERVER: server,
    SLIPWAY_TOKEN: admin,
  });
  assert.equal(made.code, 0, made.err);
  assert.match(made.out, TOKEN_LINE);
  assert.equal((await verifyApiToken(redis, made.out.trim()))?.name, 'ci');

  const bad = await slipwayCli(['token', 'create', '--name', 'has space', '--redis', redisUrl]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /invalid token name "has space"/);
  const down = await slipwayCli(['token', 'create', '--name', 'x', '--server', 'http://127.0.0.1:9'], {
    SLIPWAY_TOKEN: admin,
  });
  assert.match(down.err, /cannot reach the Slipway server at http:\/\/127\.0\.0\.1:9/);
});

test('repo add, repo list and repo secret set through the API; values never in argv or output', async () => {
  const boot = await slipwayCli(['token', 'create', '--name', 'ops', '--redis', redisUrl]);
  const env = { SLIPWAY_SERVER: server, SLIPWAY_TOKEN: boot.out.trim() };
  const hook = `hook-${randomBytes(8).toString('hex')}`;
  const add = await slipwayCli(
    ['repo', 'add', 'acme/app', '--clone-url', 'https://git.example.com/acme/app.git', '--forge', 'github'],
    { ...env, SLIPWAY_WEBHOOK_SECRET: hook },
  );
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /registered acme\/app \(github, webhook secret set, private\)/);
  assert.equal(await repos.webhookSecret('acme/app'), hook);
  const gl = await slipwayCli(
    ['repo', 'add', 'group/sub/tool', '--clone-url', '/srv/git/tool.git', '--forge', 'gitlab', '--public'],
    env,
  );
  assert.equal(gl.code, 0, gl.err);
  const wrong = await slipwayCli(['repo', 'add', 'acme/x', '--clone-url', '-oops', '--forge', 'svn'], env);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /400 invalid_input: body\.forge: .*body\.cloneUrl/);

  const fromEnv = `env-${randomBytes(8).toString('hex')}`;
  const set = await slipwayCli(
    ['repo', 'secret', 'set', 'acme/app', 'NPM_TOKEN', '--value-from-env', 'MY_VALUE'],
    {
      ...env,
      MY_VALUE: fromEnv,
    },
  );
  assert.equal(set.code, 0, set.err);
  const file = join(await tempDir('cli-secret'), 'value');
  await writeFile(file, 'from-a-file\n');
  const setFile = await slipwayCli(
    ['repo', 'secret', 'set', 'group/sub/tool', 'KEY', '--value-file', file],
    env,
  );
  assert.equal(setFile.code, 0, setFile.err);
  assert.deepEqual(await repos.secretValues('acme/app', ['NPM_TOKEN']), { NPM_TOKEN: fromEnv });
  assert.deepEqual(await repos.secretValues('group/sub/tool', ['KEY']), { KEY: 'from-a-file' });
  const reserved = await slipwayCli(['repo', 'secret', 'set', 'acme/app', 'CI_X', '--value-file', file], env);
  assert.match(reserved.err, /reserved/);

  const list = await slipwayCli(['repo', 'list'], env);
  assert.equal(list.code, 0, list.err);
  assert.match(
    list.out,
    /^acme\/app +github +private +https:\/\/git\.example\.com\/acme\/app\.git +secrets: NPM_TOKEN$/m,
  );
  assert.match(list.out, /^group\/sub\/tool +gitlab +public +\/srv\/git\/tool\.git +secrets: KEY$/m);
  const anon = await slipwayCli(['repo', 'list', '--server', server], { SLIPWAY_TOKEN: '' });
  assert.doesNotMatch(anon.out, /acme\/app/, 'a private repository is not listed without a token');
  assert.match(anon.out, /group\/sub\/tool/);
  for (const out of [add, set, setFile, list].map((r) => r.out + r.err)) {
    assert.ok(!out.includes(fromEnv) && !out.includes(hook) && !out.includes('from-a-file'));
  }
});
