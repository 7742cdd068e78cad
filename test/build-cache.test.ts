import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { build, busyboxDataDir, executed, makeContext, writeContext } from './build-helpers.js';
import { testRegistry } from './helpers/registry.js';

const DOCKERFILE = `FROM busybox:latest
ARG EARLY=1
RUN echo early $EARLY > /early
COPY first.txt /first.txt
ARG LATE=a
RUN echo late $LATE > /late
COPY last.txt /last.txt
CMD ["cat", "/last.txt"]
`;

let dataDir: string;
let contextDir: string;

before(async () => {
  dataDir = await busyboxDataDir();
  contextDir = await makeContext({ Dockerfile: DOCKERFILE, 'first.txt': 'first', 'last.txt': 'last v1' });
});

test('a first build runs every layer instruction; an unchanged rebuild runs nothing', async () => {
  const first = await build({ contextDir, dataDir, tags: ['cache-test:1'] });
  assert.deepEqual(
    executed(first).filter((i) => /^(RUN|COPY)/.test(i)),
    [
      'RUN echo early $EARLY > /early',
      'COPY first.txt /first.txt',
      'RUN echo late $LATE > /late',
      'COPY last.txt /last.txt',
    ],
  );
  const again = await build({ contextDir, dataDir, tags: ['cache-test:1'] });
  assert.deepEqual(executed(again), []);
  assert.ok(again.steps.every((s) => s.cached));
  assert.equal(again.manifestDigest, first.manifestDigest);
});

test('changing a file used only by the last COPY rebuilds from that COPY', async () => {
  await writeContext(contextDir, { 'last.txt': 'last v2' });
  const r = await build({ contextDir, dataDir });
  assert.deepEqual(executed(r), ['COPY last.txt /last.txt', 'CMD ["cat", "/last.txt"]']);
  // mtime alone is not a change
  await writeContext(contextDir, { 'last.txt': 'last v2' });
  assert.deepEqual(executed(await build({ contextDir, dataDir })), []);
});

test('changing a build arg used only by a late RUN rebuilds from that RUN', async () => {
  const r = await build({ contextDir, dataDir, buildArgs: { LATE: 'b' } });
  assert.deepEqual(executed(r), [
    'RUN echo late $LATE > /late',
    'COPY last.txt /last.txt',
    'CMD ["cat", "/last.txt"]',
  ]);
  assert.deepEqual(r.output, []);
  const noCache = await build({ contextDir, dataDir, noCache: true });
  assert.ok(noCache.steps.filter((s) => s.instruction !== 'FROM busybox:latest').every((s) => !s.cached));
});

test('a second host with an empty cache and --cache-from runs nothing after --cache-to', async () => {
  const registry = await testRegistry();
  const cacheRef = `${registry.host}/cache/app:buildcache`;
  const first = await build({ contextDir, dataDir, cacheTo: cacheRef });
  const secondHost = await busyboxDataDir();
  const second = await build({ contextDir, dataDir: secondHost, cacheFrom: [cacheRef] });
  assert.deepEqual(executed(second), []);
  assert.equal(second.manifestDigest, first.manifestDigest);
  // without the import, the second host would run the RUNs
  const third = await busyboxDataDir();
  const cold = await build({ contextDir, dataDir: third, cacheFrom: [`${registry.host}/cache/none:x`] });
  assert.ok(executed(cold).includes('RUN echo early $EARLY > /early'));
});
