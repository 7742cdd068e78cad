import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { credentialLookup, dockerConfigCredential, dockerConfigPath } from './credentials.js';

const dir = await mkdtemp(join(tmpdir(), 'slipway-creds-'));
after(() => rm(dir, { recursive: true, force: true }));

async function config(name: string, body: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(body));
  return path;
}

test('reads auths entries (base64 auth and username/password), Docker Hub under its legacy key', async () => {
  const path = await config('auths.json', {
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:se:cret').toString('base64') },
      'reg.example:5000': { username: 'u', password: 'p' },
    },
  });
  assert.deepEqual(await dockerConfigCredential('docker.io', path), { username: 'hub', password: 'se:cret' });
  assert.deepEqual(await dockerConfigCredential('reg.example:5000', path), { username: 'u', password: 'p' });
  assert.equal(await dockerConfigCredential('other.example', path), undefined);
  assert.equal(await dockerConfigCredential('x', join(dir, 'missing.json')), undefined);
});

test('credHelpers and credsStore run docker-credential-* executables', async () => {
  const bin = join(dir, 'bin');
  await import('node:fs/promises').then((fs) => fs.mkdir(bin));
  const helper = join(bin, 'docker-credential-fake');
  await writeFile(
    helper,
    `#!/bin/sh\nread host\nif [ "$host" = "known.example" ]; then echo '{"ServerURL":"known.example","Username":"robot","Secret":"tok"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`,
  );
  await chmod(helper, 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  try {
    const helpers = await config('helpers.json', { credHelpers: { 'known.example': 'fake' } });
    assert.deepEqual(await dockerConfigCredential('known.example', helpers), {
      username: 'robot',
      password: 'tok',
    });
    const store = await config('store.json', { credsStore: 'fake' });
    assert.deepEqual(await dockerConfigCredential('known.example', store), {
      username: 'robot',
      password: 'tok',
    });
    assert.equal(await dockerConfigCredential('unknown.example', store), undefined);
  } finally {
    process.env.PATH = oldPath;
  }
});

test("Slipway's own credentials win; DOCKER_CONFIG moves the file", async () => {
  const path = await config('config.json', { auths: { r: { username: 'docker', password: 'x' } } });
  const lookup = credentialLookup({ slipway: { r: { username: 'own', password: 'y' } }, dockerConfig: path });
  assert.equal((await lookup('r'))?.username, 'own');
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: dir }), path);
});
