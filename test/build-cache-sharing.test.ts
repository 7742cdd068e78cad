import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BuildEvent, buildImage } from '../runner/builder/index.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { openRunnerHost } from '../runner/host.js';
import { build, busyboxDataDir, makeContext, slipwayCli } from './build-helpers.js';

// `sharing=` of RUN --mount=type=cache between two builds running at once on one data dir: one
// is a separate `slipway build` process holding the cache until the test releases it (it waits
// for a `release` file the test writes into the host cache dir), the other runs in this process.

let dataDir: string;
/** The cache scope every build of this file shares (cache mounts are scoped, see BuildOptions). */
const SCOPE = `sharing-${randomBytes(4).toString('hex')}`;
before(async () => {
  dataDir = await busyboxDataDir();
});

/** A RUN fragment that waits (at most 30 s) until the test writes `/c/release`. */
const WAIT_FOR_RELEASE = 'i=0; while [ ! -e /c/release ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done';

async function waitForFile(path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readFile(path).catch(() => undefined))) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function cliBuild(dockerfile: string) {
  return makeContext({ Dockerfile: dockerfile }).then((ctx) =>
    slipwayCli(['build', '--data-dir', dataDir, '--network', 'none', '--cache-scope', SCOPE, ctx]),
  );
}

test('sharing=locked: a second build waits until the first has finished with the cache', async () => {
  const id = `locked-${randomBytes(4).toString('hex')}`;
  const host = dataDirPaths.buildCacheMount(dataDir, SCOPE, id);
  const mount = `--mount=type=cache,id=${id},target=/c,sharing=locked`;
  const first = cliBuild(
    `FROM busybox:latest\nRUN ${mount} echo "start A" >> /c/log; ${WAIT_FOR_RELEASE}; echo "end A" >> /c/log\n`,
  );
  await waitForFile(join(host, 'log'));
  // the first build holds the cache; the second reaches its RUN, then the test lets the first
  // go on after a pause long enough for an unlocked RUN to have started and finished
  let released: Promise<void> | undefined;
  const second = buildImage({
    contextDir: await makeContext({
      Dockerfile: `FROM busybox:latest\nRUN ${mount} echo "start B" >> /c/log; echo "end B" >> /c/log\n`,
    }),
    host: await openRunnerHost({ dataDir, hostRegistries: 'any' }),
    network: 'none',
    cacheScope: SCOPE,
    onProgress: (e: BuildEvent) => {
      if (e.type === 'step-start' && e.instruction.startsWith('RUN'))
        released = sleep(3000).then(() => writeFile(join(host, 'release'), ''));
    },
  });
  await second;
  const a = await first;
  assert.equal(a.code, 0, a.out + a.err);
  assert.ok(released, 'the second build reached its RUN');
  await released;
  assert.equal(await readFile(join(host, 'log'), 'utf8'), 'start A\nend A\nstart B\nend B\n');
});

test('sharing=private: a build gets a fresh dir while another holds the cache, the cache otherwise', async () => {
  const id = `private-${randomBytes(4).toString('hex')}`;
  const host = dataDirPaths.buildCacheMount(dataDir, SCOPE, id);
  const mount = `--mount=type=cache,id=${id},target=/c,sharing=private`;
  const sees = (who: string) => `echo "${who} sees [$(ls -A /c | tr '\\n' ,)]"`;
  const seedCtx = await makeContext({ Dockerfile: `FROM busybox:latest\nRUN ${mount} echo s > /c/seed\n` });
  await build({ contextDir: seedCtx, dataDir, cacheScope: SCOPE });

  const first = cliBuild(
    `FROM busybox:latest\nRUN ${mount} ${sees('A')}; echo a > /c/a-was-here; ${WAIT_FOR_RELEASE}\n`,
  );
  await waitForFile(join(host, 'a-was-here'));
  const concurrent = await build({
    contextDir: await makeContext({
      Dockerfile: `FROM busybox:latest\nRUN ${mount} ${sees('B')}; echo b > /c/b-was-here\n`,
    }),
    dataDir,
    cacheScope: SCOPE,
  });
  assert.deepEqual(concurrent.output, ['B sees []'], 'an empty dir of its own');
  await writeFile(join(host, 'release'), '');
  const a = await first;
  assert.equal(a.code, 0, a.out + a.err);
  assert.match(a.out, /^A sees \[seed,\]$/m);
  // what the concurrent build wrote went nowhere; the cache holds what the holder wrote
  assert.deepEqual((await readdir(host)).sort(), ['a-was-here', 'release', 'seed']);

  const later = await build({
    contextDir: await makeContext({ Dockerfile: `FROM busybox:latest\nRUN ${mount} ${sees('C')}\n` }),
    dataDir,
    cacheScope: SCOPE,
  });
  assert.deepEqual(later.output, ['C sees [a-was-here,release,seed,]']);
});
