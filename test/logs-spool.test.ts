import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { log } from '../lib/log.js';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type LogEntry, logEntriesFrom, wireKeys } from '../pipelines/index.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { gcDataDir } from '../runner/data-dir-gc.js';
import { createLogWriter, type LogWriter } from '../runner/worker/index.js';
import { testRedis } from './helpers/redis.js';
import { tempDir } from './helpers/tmp.js';

/** The log writer's spool against a real Redis that stops taking writes: nothing dropped, order kept, memory bounded. */
let redis: Redis;
let admin: Redis;
before(async () => {
  const url = (await testRedis()).url;
  redis = connectRedis(url, 'test');
  admin = connectRedis(url, 'test-admin');
});
after(() => Promise.all([redis.quit(), admin.quit()]));

/** Redis answers no write command while `fn` runs. */
async function paused<T>(fn: () => Promise<T>): Promise<T> {
  await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
  try {
    return await fn();
  } finally {
    await admin.call('CLIENT', 'UNPAUSE');
  }
}

async function stored(jobId: string): Promise<LogEntry[]> {
  const raw = await redis.xrangeBuffer(wireKeys.log(jobId), '-', '+');
  return raw.flatMap(
    ([id, fields]) => logEntriesFrom(id.toString(), fields) ?? assert.fail(`malformed entry ${id}`),
  );
}
const text = (i: number) => `line ${i} ${'p'.repeat(80 + (i % 17))}`;
const tick = () => new Promise((r) => setImmediate(r));

/** Writes lines `from`..`to` 1000 at a time, giving the writer a turn in between; the most bytes it held in memory. */
async function writeLines(w: LogWriter, from: number, to: number): Promise<number> {
  let most = 0;
  for (let i = from; i <= to; i++) {
    w.write('step', { stream: i % 7 ? 'stdout' : 'stderr', time: Date.now(), text: text(i) });
    most = Math.max(most, w.bufferedBytes);
    if (i % 1000 === 0) await tick();
  }
  return most;
}

const KiB = 1024;
const MiB = 1024 * KiB;

test('while Redis takes no writes, lines past the memory window wait in the spool; all arrive in order, the file is gone after close', async () => {
  const spoolDir = await tempDir('spool');
  const w = await createLogWriter(redis, 'spool-1', { spoolDir, memoryBytes: MiB, batchBytes: 64 * KiB });
  await paused(async () => {
    const most = await writeLines(w, 1, 200_000); // ~20 MB
    // Memory: the window, one send in flight (at most 1 MiB), the open entry.
    assert.ok(most <= MiB + MiB + 64 * KiB + KiB, `at most ${most} bytes held in memory`);
    assert.ok(w.spooledBytes > 15 * MiB, `${w.spooledBytes} bytes in the spool`);
    const files = await readdir(spoolDir);
    assert.equal(files.length, 1);
    assert.match(files[0] as string, /^spool-1-[0-9a-f]{8}\.spool$/);
  });
  await w.close();
  assert.equal(w.dropped, 0);
  const got = await stored('spool-1');
  assert.equal(got.length, 200_000);
  got.forEach((e, i) => {
    assert.equal(e.n, i + 1);
    assert.equal(e.text, text(i + 1));
    assert.equal(e.stream, (i + 1) % 7 ? 'stdout' : 'stderr');
  });
  assert.deepEqual(await readdir(spoolDir), [], 'the spool file is removed on close');
});

test('after a burst, the backlog reaches Redis without a flush once output is quiet', async () => {
  const spoolDir = await tempDir('spool');
  const w = await createLogWriter(redis, 'spool-2', {
    spoolDir,
    memoryBytes: 256 * KiB,
    batchBytes: 32 * KiB,
  });
  await writeLines(w, 1, 100_000);
  const t = Date.now();
  while ((await redis.xrevrange(wireKeys.log('spool-2'), '+', '-', 'COUNT', 1))[0]?.[0] !== '0-100000') {
    assert.ok(Date.now() - t < 10_000, 'the backlog never arrived');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(w.spooledBytes, 0);
  assert.equal((await stored('spool-2')).length, 100_000);
  await w.close();
});

test('a source printing faster than Redis takes it is held while Redis drains, never while Redis answers nothing', async () => {
  const spoolDir = await tempDir('spool');
  const w = await createLogWriter(redis, 'spool-held', { spoolDir, memoryBytes: MiB, batchBytes: 64 * KiB });
  assert.equal(w.ready(), undefined, 'an idle writer holds nothing');
  w.write('step', { stream: 'stdout', time: Date.now(), text: 'first' });
  await w.flush(); // Redis has answered a send
  // A burst of ~2 MiB at once: more than half the window waits.
  for (let i = 2; i <= 20_000; i++) w.write('step', { stream: 'stdout', time: Date.now(), text: text(i) });
  const held = w.ready();
  assert.ok(held, 'held while the backlog drains');
  const t = Date.now();
  await held;
  assert.ok(Date.now() - t < 600, 'released once drained (or after 500 ms at the latest)');
  await w.flush();
  assert.equal(w.ready(), undefined);
  // Redis answering nothing: the source is not held; the spool takes the output.
  await paused(async () => {
    await new Promise((r) => setTimeout(r, 600));
    await writeLines(w, 20_001, 60_000);
    assert.equal(w.ready(), undefined, 'not held when Redis does not answer');
    assert.ok(w.spooledBytes > 0);
  });
  await w.close();
  assert.equal((await stored('spool-held')).length, 60_000);
});

test('a spool that cannot be written: lines past the bound are dropped and counted by a marker line', async () => {
  const notADir = join(await tempDir('spool'), 'file');
  await writeFile(notADir, '');
  const w = await createLogWriter(redis, 'spool-3', {
    spoolDir: join(notADir, 'spool'),
    memoryBytes: 64 * KiB,
    batchBytes: 16 * KiB,
    maxBufferBytes: 256 * KiB,
  });
  const most = await paused(() => writeLines(w, 1, 20_000));
  assert.ok(most <= 256 * KiB + 16 * KiB + KiB, `at most ${most} bytes held`);
  await w.flush();
  w.write('step', { stream: 'stdout', time: Date.now(), text: 'after the flood' });
  await w.close();
  const got = await stored('spool-3');
  assert.ok(w.dropped > 0, 'some lines were dropped');
  const markers = got.filter((e) =>
    /^\[\d+ lines dropped: the log spool could not be written\]$/.test(e.text),
  );
  assert.ok(markers.length >= 1, 'a marker line says lines were dropped');
  const counted = markers.reduce((s, e) => s + Number(/\d+/.exec(e.text)?.[0]), 0);
  assert.equal(counted, w.dropped, 'the markers count every dropped line');
  assert.equal(got.length + w.dropped - markers.length, 20_001, 'every line is either stored or counted');
  assert.equal(got.at(-1)?.text, 'after the flood');
  assert.deepEqual(
    got.map((e) => e.n),
    got.map((_, i) => i + 1),
    'numbers stay consecutive',
  );
});

test('the data dir GC removes the spool of a log never closed', async () => {
  const dataDir = await tempDir('data');
  const w = await createLogWriter(redis, 'spool-4', {
    spoolDir: dataDirPaths.logSpools(dataDir),
    memoryBytes: 64 * KiB,
    batchBytes: 16 * KiB,
  });
  await paused(async () => {
    await writeLines(w, 1, 5_000);
    assert.equal((await readdir(dataDirPaths.logSpools(dataDir))).length, 1);
    // The runner dies here: its writer is never closed.
    const report = await gcDataDir(dataDir, log);
    assert.equal(report.logSpools, 1);
    assert.deepEqual(await readdir(dataDirPaths.logSpools(dataDir)), []);
  });
  await w.close();
  assert.equal(
    (await stored('spool-4')).length,
    5_000,
    'an open spool file is still read after it is unlinked',
  );
});
