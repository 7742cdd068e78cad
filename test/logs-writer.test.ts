import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type LogEntry, logEntryFrom, wireKeys } from '../pipelines/index.js';
import { createLogWriter } from '../runner/worker/index.js';
import { testRedis } from './helpers/redis.js';

/** The runner's log writer against a real Redis: numbering, batching, flush, resends, bursts. */
let redis: Redis;
before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
});
after(() => redis.quit());

async function streamEntries(jobId: string): Promise<LogEntry[]> {
  const raw = await redis.xrange(wireKeys.log(jobId), '-', '+');
  return raw.map(([id, fields]) => {
    const e = logEntryFrom(id, fields);
    assert.ok(e, `malformed entry ${id}`);
    return e;
  });
}
const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => ({ stream, time: Date.now(), text });

test('lines are numbered from 1, batched, and all in Redis once flush resolves', async () => {
  const w = await createLogWriter(redis, 'abcd-1');
  w.write('build', line('\x1b[32mgreen\x1b[0m'));
  w.write('build', line('oops', 'stderr'));
  w.write('test', line(''));
  assert.equal((await streamEntries('abcd-1')).length, 0, 'write only buffers');
  await w.flush();
  const got = await streamEntries('abcd-1');
  assert.deepEqual(
    got.map((e) => [e.n, e.source, e.stream, e.text]),
    [
      [1, 'build', 'stdout', '\x1b[32mgreen\x1b[0m'],
      [2, 'build', 'stderr', 'oops'],
      [3, 'test', 'stdout', ''],
    ],
  );
  await w.close();
});

test('lines reach Redis within the flush interval without a flush call', async () => {
  const w = await createLogWriter(redis, 'abcd-2', { flushMs: 20 });
  w.write('s', line('soon'));
  const t = Date.now();
  while ((await streamEntries('abcd-2')).length === 0) {
    assert.ok(Date.now() - t < 1000, 'the line never arrived');
    await new Promise((r) => setTimeout(r, 5));
  }
  await w.close();
});

test('100,000 lines written in one burst all arrive, in order, nothing dropped', async () => {
  const w = await createLogWriter(redis, 'abcd-3');
  for (let i = 1; i <= 100_000; i++) w.write('burst', line(`line ${i} ${'x'.repeat(i % 100)}`));
  await w.flush();
  const got = await streamEntries('abcd-3');
  assert.equal(got.length, 100_000);
  assert.equal(w.dropped, 0);
  got.forEach((e, i) => {
    assert.equal(e.n, i + 1);
    assert.ok(e.text.startsWith(`line ${i + 1} `));
  });
});

test('a retried job continues the stream; a resent batch is not doubled', async () => {
  const first = await createLogWriter(redis, 'abcd-4');
  for (let i = 1; i <= 5; i++) first.write('s', line(`attempt 1 line ${i}`));
  await first.close();
  const second = await createLogWriter(redis, 'abcd-4');
  second.write('s', line('attempt 2'));
  await second.close();
  assert.deepEqual((await streamEntries('abcd-4')).map((e) => [e.n, e.text]).slice(4), [
    [5, 'attempt 1 line 5'],
    [6, 'attempt 2'],
  ]);
  // What a reconnect resend looks like: the same numbers written again, then new ones.
  const resend = await createLogWriter(redis, 'abcd-4', { startAt: 3 });
  for (const n of [3, 4, 5, 6, 7]) resend.write('s', line(`resent ${n}`));
  await resend.close();
  const got = await streamEntries('abcd-4');
  assert.deepEqual(
    got.map((e) => e.n),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal(got[2]?.text, 'attempt 1 line 3', 'a line already stored is kept, not replaced');
  assert.equal(got[6]?.text, 'resent 7');
});

test('past the buffer cap lines are dropped and counted by a marker line, memory stays bounded', async () => {
  const w = await createLogWriter(redis, 'abcd-5', { maxBufferBytes: 64 * 1024, flushMs: 1000 });
  const text = 'y'.repeat(1000);
  for (let i = 0; i < 1000; i++) w.write('flood', line(text));
  await w.flush();
  w.write('flood', line('after the flood'));
  await w.close();
  const got = await streamEntries('abcd-5');
  assert.ok(w.dropped > 0, 'some lines were dropped');
  const markers = got.filter((e) => /^\[\d+ lines dropped: log too fast\]$/.test(e.text));
  assert.ok(markers.length >= 1, 'a marker line says lines were dropped');
  const counted = markers.reduce((s, e) => s + Number(/\d+/.exec(e.text)?.[0]), 0);
  assert.equal(counted, w.dropped, 'the markers count every dropped line');
  assert.equal(got.length + w.dropped - markers.length, 1001, 'every line is either stored or counted');
  assert.equal(got.at(-1)?.text, 'after the flood');
  assert.deepEqual(
    got.map((e) => e.n),
    got.map((_, i) => i + 1),
    'numbers stay consecutive',
  );
});
