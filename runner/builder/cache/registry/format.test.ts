import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CACHE_FORMAT_VERSION, parseCacheConfig, serialiseCacheConfig } from './format.js';

const key = `sha256:${'a'.repeat(64)}`;
const entry = {
  layer: null,
  change: { env: [['A', '1']] as [string, string][] },
  history: { created_by: 'x' },
};

test('a cache config round-trips', () => {
  const bytes = serialiseCacheConfig(new Map([[key, entry]]));
  assert.deepEqual(parseCacheConfig(bytes, 'test').entries, { [key]: entry });
  assert.equal(parseCacheConfig(bytes, 'test').version, CACHE_FORMAT_VERSION);
});

test('a cache of the previous format version imports as empty, not as an error', () => {
  const old = { version: 'slipway-build-cache-v1', entries: { [key]: { layer: null, state: {} } } };
  assert.deepEqual(parseCacheConfig(Buffer.from(JSON.stringify(old)), 'test').entries, {});
});

test('anything else is refused with a clear error', () => {
  assert.throws(() => parseCacheConfig(Buffer.from('nope'), 'r'), /r: the cache config is not JSON/);
  assert.throws(
    () => parseCacheConfig(Buffer.from(JSON.stringify({ version: 'other', entries: {} })), 'r'),
    /r: not a Slipway build cache/,
  );
  const bad = {
    version: CACHE_FORMAT_VERSION,
    entries: { [key]: { layer: null, change: { env: 'x' }, history: {} } },
  };
  assert.throws(() => parseCacheConfig(Buffer.from(JSON.stringify(bad)), 'r'), /not a Slipway build cache/);
});
