import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { dataDirPaths } from '../runner/data-dir.js';
import {
  build,
  busyboxDataDir,
  executed,
  makeContext,
  readStoredImage,
  writeContext,
} from './build-helpers.js';
import { listTar } from './helpers/tree-listing.js';

// RUN --mount=type=cache: the dir lives on the host across builds and is never in a layer.

let dataDir: string;
before(async () => {
  dataDir = await busyboxDataDir();
});

test('a cache mount keeps its contents for the next build and is in no layer', async () => {
  const contextDir = await makeContext({
    Dockerfile: `FROM busybox:latest
COPY stamp.txt /stamp.txt
RUN --mount=type=cache,target=/cache echo "run with $(cat /stamp.txt)" >> /cache/log && mkdir -p /cache/sub && echo data > /cache/sub/file && cat /cache/log && echo made > /made
`,
    'stamp.txt': 'one',
  });
  const first = await build({ contextDir, dataDir });
  assert.deepEqual(first.output, ['run with one']);

  // a change before the RUN makes it run again, over what the first build left in the cache
  await writeContext(contextDir, { 'stamp.txt': 'two' });
  const second = await build({ contextDir, dataDir });
  assert.ok(
    executed(second).some((i) => i.startsWith('RUN')),
    'the RUN ran again',
  );
  assert.deepEqual(second.output, ['run with one', 'run with two']);

  // the id defaults to the target; the dir is on the host under the data dir, in the scope of
  // the context dir (the default)
  const host = dataDirPaths.buildCacheMount(dataDir, contextDir, '/cache');
  assert.equal(await readFile(join(host, 'log'), 'utf8'), 'run with one\nrun with two\n');

  const image = await readStoredImage(dataDir, second.manifestDigest);
  const runLayer = [...(await listTar(Readable.from(image.layerTars.at(-1)!))).keys()];
  assert.ok(runLayer.includes('/made'), `the RUN's own file is in its layer: ${runLayer.join(' ')}`);
  for (const [i, tar] of image.layerTars.entries()) {
    const paths = [...(await listTar(Readable.from(tar))).keys()];
    assert.deepEqual(
      paths.filter((p) => p === '/cache' || p.startsWith('/cache/')),
      [],
      `layer ${i} holds the cache mount`,
    );
  }
});

test('cache mounts are scoped: two repositories with the same id never see each other', async () => {
  const id = `shared-id-${process.pid}`;
  const run = (scope: string | undefined, cmd: string) =>
    makeContext({
      Dockerfile: `FROM busybox:latest\nRUN --mount=type=cache,id=${id},target=/c ${cmd}; echo "sees [$(ls -A /c | tr '\\n' ,)]"\n`,
    }).then((contextDir) =>
      build({ contextDir, dataDir, noCache: true, ...(scope ? { cacheScope: scope } : {}) }),
    );
  assert.deepEqual((await run('repo:a', 'echo token > /c/planted')).output, ['sees [planted,]']);
  assert.deepEqual((await run('repo:b', 'true')).output, ['sees []'], "another repository's build");
  assert.deepEqual((await run('repo:a', 'true')).output, ['sees [planted,]'], 'the same repository again');
  // without a scope, each context dir is its own scope
  assert.deepEqual((await run(undefined, 'true')).output, ['sees []'], 'a build with no scope');
});
