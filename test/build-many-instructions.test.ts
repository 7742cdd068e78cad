import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BuildFailure } from '../runner/builder/index.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { build, makeContext } from './build-helpers.js';
import { tempDir } from './helpers/tmp.js';

const N = 10_000;

async function dirBytes(dir: string): Promise<{ files: number; bytes: number }> {
  const names = await readdir(dir);
  let bytes = 0;
  for (const n of names) bytes += (await stat(join(dir, n))).size;
  return { files: names.length, bytes };
}

/** Peak RSS of this process while `fn` runs (the test runner gives each file its own process). */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMB: number }> {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const value = await fn();
    return { value, peakMB: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
  } finally {
    clearInterval(t);
  }
}

test(`${N - 1} ENV instructions build in seconds, a rebuild is fully cached, the cache stays small`, async (t) => {
  const dataDir = await tempDir('build-data');
  const lines = Array.from({ length: N - 1 }, (_, i) => `ENV V${i}=${i}`);
  const contextDir = await makeContext({ Dockerfile: `FROM scratch\n${lines.join('\n')}\n` });
  const started = Date.now();
  const cold = await peakRss(() => build({ contextDir, dataDir }));
  const coldMs = Date.now() - started;
  const warm = await peakRss(() => build({ contextDir, dataDir }));
  const warmMs = Date.now() - started - coldMs;
  const cache = await dirBytes(dataDirPaths.buildCache(dataDir));
  const figures = { coldMs, warmMs, coldPeakMB: cold.peakMB, warmPeakMB: warm.peakMB, ...cache };
  t.diagnostic(JSON.stringify(figures));
  // Before cache entries held only their own change: 5,000 ENVs took 90 s, 3.3 GB and 1.5 GB of cache.
  assert.equal(warm.value.steps.length, N);
  assert.ok(
    warm.value.steps.every((s) => s.cached),
    'the rebuild ran instructions',
  );
  assert.equal(warm.value.manifestDigest, cold.value.manifestDigest);
  assert.equal(cache.files, N - 1, JSON.stringify(figures));
  assert.ok(
    cache.bytes < 4 * 2 ** 20,
    `the build cache holds ${cache.bytes} bytes: ${JSON.stringify(figures)}`,
  );
  assert.ok(Math.max(cold.peakMB, warm.peakMB) < 600, `peak RSS too high: ${JSON.stringify(figures)}`);
  // generous: a loaded 2-core machine builds them in 5–20 s, the rebuild in 2–6 s
  assert.ok(coldMs < 90_000 && warmMs < 45_000, `too slow: ${JSON.stringify(figures)}`);
});

test('a Dockerfile over a limit fails with an error naming the limit', async () => {
  const dataDir = await tempDir('build-data');
  const tooMany = Array.from({ length: N }, (_, i) => `ENV V${i}=${i}`);
  const cases: [string, RegExp][] = [
    [`FROM scratch\n${tooMany.join('\n')}\n`, /Dockerfile:10001: .*10001 instructions; the limit is 10000/],
    [
      `FROM scratch\nRUN echo ${'x'.repeat(200_000)}\n`,
      /Dockerfile:2: the instruction is 200009 bytes long; the limit is 128 KiB/,
    ],
    [
      `FROM scratch\n# ${'#'.repeat(5 * 2 ** 20)}\n`,
      /Dockerfile: the Dockerfile is 5242896 bytes; the limit is 4 MiB/,
    ],
  ];
  for (const [text, pattern] of cases) {
    const contextDir = await makeContext({});
    await writeFile(join(contextDir, 'Dockerfile'), text);
    const err = await build({ contextDir, dataDir }).then(
      () => assert.fail('the build should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BuildFailure, String(err));
    assert.match(err.message, pattern);
    assert.ok(err.message.length < 300, `the error quotes the input: ${err.message.length} chars`);
  }
});
