import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { makeKeyring, open, seal } from './sealed.js';

const ring = makeKeyring(randomBytes(32));
const ctx = 'acme/app\0secret:NPM_TOKEN';

test('a sealed value opens to the same text and hides it; each seal uses a fresh IV', () => {
  const a = seal(ring, 'hunter2-päss', ctx);
  const b = seal(ring, 'hunter2-päss', ctx);
  assert.notEqual(a, b);
  assert.ok(!a.includes('hunter2'));
  assert.match(a, /^v1:[0-9a-f]{8}:/);
  assert.equal(open(ring, a, ctx), 'hunter2-päss');
});

test('a tampered, truncated or malformed value fails with a clear error', () => {
  const sealed = seal(ring, 'value-123', ctx);
  const body = sealed.split(':')[2] as string;
  const raw = Buffer.from(body, 'base64url');
  raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
  const tampered = `${sealed.slice(0, sealed.length - body.length)}${raw.toString('base64url')}`;
  assert.throws(() => open(ring, tampered, ctx), /failed authentication \(tampered or misplaced\)/);
  assert.throws(() => open(ring, sealed.slice(0, 20), ctx), /truncated|malformed/);
  assert.throws(() => open(ring, 'plain text', ctx), /malformed/);
});

test('a value copied under another name or repository does not open', () => {
  const sealed = seal(ring, 'value-123', ctx);
  assert.throws(() => open(ring, sealed, 'acme/other\0secret:NPM_TOKEN'), /tampered or misplaced/);
});

test('after a key rotation old values open with the previous key; a missing key is named', () => {
  const oldKey = randomBytes(32);
  const before = seal(makeKeyring(oldKey), 'old-value', ctx);
  const rotated = makeKeyring(randomBytes(32), [oldKey]);
  assert.equal(open(rotated, before, ctx), 'old-value');
  assert.notEqual(seal(rotated, 'x', ctx).split(':')[1], before.split(':')[1]);
  assert.throws(
    () => open(ring, before, ctx),
    /sealed with key [0-9a-f]{8}, which this server does not have/,
  );
});

test('keys must be 32 bytes', () => {
  assert.throws(() => makeKeyring(randomBytes(16)), /must be 32 bytes/);
});
