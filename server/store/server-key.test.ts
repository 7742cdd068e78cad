import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { open, seal } from './sealed.js';
import { loadServerKey, parseKey } from './server-key.js';

const dir = await mkdtemp(join(tmpdir(), 'slipway-key-'));
after(() => rm(dir, { recursive: true, force: true }));

test('without SLIPWAY_SECRET_KEY a 0600 key file is made once and used again', async () => {
  const first = await loadServerKey(dir, {});
  const st = await stat(join(dir, 'secret.key'));
  assert.equal(st.mode & 0o777, 0o600);
  const again = await loadServerKey(dir, {});
  assert.equal(again.current.id, first.current.id);
  assert.equal(open(again, seal(first, 'v', 'c'), 'c'), 'v');
  assert.equal(Buffer.from((await readFile(join(dir, 'secret.key'), 'utf8')).trim(), 'base64').length, 32);
});

test('concurrent first starts agree on one key', async () => {
  const d = join(dir, 'race');
  const rings = await Promise.all([1, 2, 3, 4].map(() => loadServerKey(d, {})));
  assert.equal(new Set(rings.map((r) => r.current.id)).size, 1);
});

test('a key file others can read is refused', async () => {
  const d = join(dir, 'loose');
  await loadServerKey(d, {});
  await chmod(join(d, 'secret.key'), 0o644);
  await assert.rejects(loadServerKey(d, {}), /readable by others \(mode 644\); chmod 600 it/);
});

test('SLIPWAY_SECRET_KEY (hex or base64) wins over the file; previous keys still open', async () => {
  const key = randomBytes(32);
  const old = randomBytes(32);
  const hex = await loadServerKey(join(dir, 'env'), { SLIPWAY_SECRET_KEY: key.toString('hex') });
  const b64 = await loadServerKey(join(dir, 'env'), {
    SLIPWAY_SECRET_KEY: key.toString('base64'),
    SLIPWAY_SECRET_KEY_PREVIOUS: old.toString('base64url'),
  });
  assert.equal(hex.current.id, b64.current.id);
  const sealedOld = seal(await loadServerKey(dir, { SLIPWAY_SECRET_KEY: old.toString('hex') }), 'v', 'c');
  assert.equal(open(b64, sealedOld, 'c'), 'v');
  assert.throws(
    () => parseKey('too-short', 'SLIPWAY_SECRET_KEY'),
    /SLIPWAY_SECRET_KEY: expected a 32-byte key/,
  );
  assert.throws(() => parseKey(randomBytes(16).toString('hex'), 'X'), /32-byte key/);
});
