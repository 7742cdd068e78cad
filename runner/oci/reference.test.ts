import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReference, normalizeReference, parseReference, registryApiHost } from './reference.js';

test('short names normalise to Docker Hub library images', () => {
  assert.equal(normalizeReference('alpine'), 'docker.io/library/alpine:latest');
  assert.equal(normalizeReference('alpine:3.19'), 'docker.io/library/alpine:3.19');
  assert.equal(normalizeReference('bitnami/redis'), 'docker.io/bitnami/redis:latest');
  assert.equal(normalizeReference('index.docker.io/library/alpine'), 'docker.io/library/alpine:latest');
  assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
});

test('host:port, localhost and nested repositories', () => {
  assert.deepEqual(parseReference('127.0.0.1:5000/team/app:v1'), {
    registry: '127.0.0.1:5000',
    repository: 'team/app',
    tag: 'v1',
  });
  assert.deepEqual(parseReference('localhost/app'), {
    registry: 'localhost',
    repository: 'app',
    tag: 'latest',
  });
  assert.deepEqual(parseReference('localhost:5000/app'), {
    registry: 'localhost:5000',
    repository: 'app',
    tag: 'latest',
  });
  assert.equal(normalizeReference('ghcr.io/a/b/c:x'), 'ghcr.io/a/b/c:x');
  assert.equal(normalizeReference('[::1]:5000/app'), '[::1]:5000/app:latest');
  // A single component with a colon is a name and a tag, not a host.
  assert.deepEqual(parseReference('app:5000'), {
    registry: 'docker.io',
    repository: 'library/app',
    tag: '5000',
  });
});

test('digests, with and without a tag', () => {
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseReference(`alpine@${d}`), {
    registry: 'docker.io',
    repository: 'library/alpine',
    digest: d,
  });
  const both = parseReference(`host:1/app:1.0@${d}`);
  assert.equal(both.tag, '1.0');
  assert.equal(both.digest, d);
  assert.equal(formatReference(both), `host:1/app:1.0@${d}`);
});

test('malformed references give a clear error', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Alpine', /lowercase/],
    ['app@sha256:abc', /not a digest/],
    ['app:bad!tag', /not a valid tag/],
    ['host:5000//app', /empty component/],
    ['a b', /whitespace/],
    ['app/-x', /not a valid repository component/],
    ['reg.io/UPPER', /lowercase/],
    ['bad_host.io:x/app', /not a valid registry host/],
  ];
  for (const [input, why] of cases) {
    assert.throws(
      () => parseReference(input),
      (err: Error) => err.message.includes(`"${input}"`) && why.test(err.message),
      input,
    );
  }
});
