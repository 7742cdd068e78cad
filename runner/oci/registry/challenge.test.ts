import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWwwAuthenticate } from './challenge.js';

test('parses a Bearer challenge with realm, service and scope', () => {
  const [c] = parseWwwAuthenticate(
    'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
  );
  assert.deepEqual(c, {
    scheme: 'bearer',
    params: {
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:a/b:pull,push',
    },
  });
});

test('parses Basic, unquoted values, escapes and several challenges', () => {
  assert.deepEqual(parseWwwAuthenticate('Basic realm="slipway"'), [
    { scheme: 'basic', params: { realm: 'slipway' } },
  ]);
  assert.deepEqual(
    parseWwwAuthenticate('Bearer realm=http://x/t, error="insufficient_scope", Basic realm="a\\"b"'),
    [
      { scheme: 'bearer', params: { realm: 'http://x/t', error: 'insufficient_scope' } },
      { scheme: 'basic', params: { realm: 'a"b' } },
    ],
  );
});
