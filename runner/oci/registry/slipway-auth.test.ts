import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { credentialLookup } from './credentials.js';
import { normalizeRegistryHost, slipwayCredential, updateSlipwayAuth } from './slipway-auth.js';

const dir = await mkdtemp(join(tmpdir(), 'slipway-auth-'));
after(() => rm(dir, { recursive: true, force: true }));

test('registry hosts are named as references name them', () => {
  for (const h of ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'])
    assert.equal(normalizeRegistryHost(h), 'docker.io', h);
  assert.equal(normalizeRegistryHost('https://reg.example:5000/'), 'reg.example:5000');
  assert.equal(normalizeRegistryHost('localhost:5000'), 'localhost:5000');
  for (const bad of ['reg.example/team', 'nodots', '', 'a b'])
    assert.throws(() => normalizeRegistryHost(bad), /is not a registry host/, bad);
});

test("Slipway's own file comes before the Docker config; a malformed file is an error naming it", async () => {
  const own = join(dir, 'auth.json');
  const docker = join(dir, 'config.json');
  await writeFile(
    docker,
    JSON.stringify({
      auths: {
        'a.example': { username: 'd', password: 'dp' },
        'b.example': { username: 'd', password: 'dp' },
      },
    }),
  );
  await updateSlipwayAuth(own, 'a.example', { username: 's', password: 'sp' });
  const lookup = credentialLookup({ slipwayFile: own, dockerConfig: docker });
  assert.deepEqual(await lookup('a.example'), { username: 's', password: 'sp' });
  assert.deepEqual(await lookup('b.example'), { username: 'd', password: 'dp' }, 'others fall through');
  assert.equal(await updateSlipwayAuth(own, 'a.example', undefined), true);
  assert.equal(await slipwayCredential(own, 'a.example'), undefined);

  await writeFile(own, '{"auths": {"a.example": {"username": "s"}}}');
  await assert.rejects(lookup('a.example'), new RegExp(`${own} is not a valid Slipway credentials file`));
});
