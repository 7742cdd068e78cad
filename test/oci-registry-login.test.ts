import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tryTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { openImageStore } from '../runner/oci/index.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';
import { startTokenServer } from './helpers/token-server.js';

/** The real CLI on `dataDir`, with an empty Docker config dir: only Slipway's own file counts. */
async function slipway(dataDir: string, args: string[], input?: string) {
  const env = {
    ...process.env,
    SLIPWAY_DATA_DIR: dataDir,
    DOCKER_CONFIG: await tempDir('no-docker-config'),
    SLIPWAY_LOG_LEVEL: 'silent',
  };
  return tryTool(process.execPath, ['bin/slipway.mjs', ...args], { env, input });
}

const reEscape = (s: string) => s.replace(/[.[\]]/g, '\\$&');

test('slipway login (htpasswd): a wrong password fails at login; then pull and push work; logout forgets', async () => {
  const reg = await testRegistry('htpasswd');
  const { username, password } = reg.credentials!;
  const dataDir = await tempDir('login');
  const authFile = join(dataDir, 'auth.json');

  const wrong = await slipway(dataDir, ['login', reg.host, '-u', username, '--password-stdin'], 'nope\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, new RegExp(`registry ${reEscape(reg.host)} denied user "${username}"`));
  assert.match(wrong.stderr, /wrong username or password/);
  await assert.rejects(stat(authFile), { code: 'ENOENT' }, 'nothing is saved for wrong credentials');

  const ok = await slipway(dataDir, ['login', reg.host, '-u', username, '--password-stdin'], `${password}\n`);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`logged in to ${reEscape(reg.host)} as ${username}`));
  assert.equal((await stat(authFile)).mode & 0o777, 0o600, 'the credentials file is private');
  const saved = JSON.parse(await readFile(authFile, 'utf8'));
  assert.deepEqual(
    saved.auths[reg.host],
    { username, password },
    'the password is saved without the newline',
  );

  const store = await openImageStore(dataDirPaths.images(dataDir));
  const ref = `${reg.host}/team/app:v1`;
  await storeImage(store, ref, [{ 'a.bin': randomBytes(20_000) }]);
  const pushed = await slipway(dataDir, ['push', ref]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const other = await tempDir('login-other');
  await slipway(other, ['login', reg.host, '-u', username, '--password-stdin'], password);
  const pulled = await slipway(other, ['pull', ref]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`pulled ${reEscape(ref)} sha256:`));

  const out = await slipway(other, ['logout', reg.host]);
  assert.match(out.stdout, new RegExp(`logged out of ${reEscape(reg.host)}`));
  assert.deepEqual(JSON.parse(await readFile(join(other, 'auth.json'), 'utf8')).auths, {});
  const denied = await slipway(other, ['pull', `${reg.host}/team/app:v1`]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, new RegExp(`registry ${reEscape(reg.host)} denied anonymous access`));
  assert.match((await slipway(other, ['logout', reg.host])).stdout, /not logged in to/);
});

test('slipway login (Bearer token): the token server checks the password at login', async () => {
  const tokens = await startTokenServer({ users: { alice: 'wonderland' } });
  const reg = await testRegistry({ auth: tokens.auth });
  const dataDir = await tempDir('login-token');
  const wrong = await slipway(dataDir, ['login', reg.host, '-u', 'alice', '--password-stdin'], 'queen');
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    new RegExp(`authentication to registry ${reEscape(reg.host)} failed for user "alice"`),
  );
  const ok = await slipway(dataDir, ['login', reg.host, '-u', 'alice', '--password-stdin'], 'wonderland');
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.status === 200));

  const store = await openImageStore(dataDirPaths.images(dataDir));
  const ref = `${reg.host}/team/tok:v1`;
  await storeImage(store, ref, [{ 'a.txt': 'a' }]);
  const pushed = await slipway(dataDir, ['push', ref]);
  assert.equal(pushed.code, 0, pushed.stderr);

  const bad = await slipway(dataDir, ['login', 'not a host', '-u', 'x', '--password-stdin'], 'y');
  assert.match(bad.stderr, /"not a host" is not a registry host/);
});
