import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type LogEntry, logEntriesFrom, wireKeys } from '../pipelines/index.js';
import { SecretMasker } from '../runner/executor/secret-mask.js';
import { ForwardingSink } from '../runner/executor/sinks.js';
import { createLogWriter } from '../runner/worker/index.js';
import { memoryLogArchive, readLog } from '../server/store/index.js';
import { testRedis } from './helpers/redis.js';
import { startReplyCutProxy } from './helpers/reply-cut-proxy.js';

/** The runner's log writer against a real Redis: numbering, batching, flush, resends, bursts, masking (the spool: logs-spool.test.ts). */
let redis: Redis;
let url: string;
before(async () => {
  url = (await testRedis()).url;
  redis = connectRedis(url, 'test');
});
after(() => redis.quit());

/** Every line the stream holds, entry by entry, doubles included (none should be). */
async function streamEntries(jobId: string): Promise<LogEntry[]> {
  const raw = await redis.xrangeBuffer(wireKeys.log(jobId), '-', '+');
  return raw.flatMap(([id, fields]) => {
    const lines = logEntriesFrom(id.toString(), fields);
    assert.ok(lines, `malformed entry ${id}`);
    return lines;
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

test('the first line is sent at once, not after a timer', async () => {
  const w = await createLogWriter(redis, 'abcd-2');
  w.write('s', line('first'));
  await new Promise((r) => setImmediate(r));
  // Commands on one connection are answered in order: once this PING is, the XADD sent before it is stored.
  await redis.ping();
  assert.deepEqual(
    (await streamEntries('abcd-2')).map((e) => e.text),
    ['first'],
  );
  await w.close();
});

test('100,000 lines written in one burst all arrive, in order, nothing dropped', async () => {
  const w = await createLogWriter(redis, 'abcd-3');
  for (let i = 1; i <= 100_000; i++) w.write('burst', line(`line ${i} ${'x'.repeat(i % 100)}`));
  await w.flush();
  const got = await streamEntries('abcd-3');
  assert.equal(got.length, 100_000);
  assert.ok((await redis.xlen(wireKeys.log('abcd-3'))) < 500, 'many lines share an entry');
  assert.equal(w.dropped, 0);
  got.forEach((e, i) => {
    assert.equal(e.n, i + 1);
    assert.ok(e.text.startsWith(`line ${i + 1} `));
  });
});

test('chunks of lines and single lines interleave into one numbered stream', async () => {
  const w = await createLogWriter(redis, 'abcd-chunks', { batchBytes: 4096 });
  const chunk = (texts: string[]) => ({
    stream: 'stdout' as const,
    time: Date.now(),
    bytes: Buffer.from(texts.join('\n')),
    count: texts.length,
  });
  const want: string[] = [];
  for (let i = 0; i < 300; i++) {
    const texts = Array.from({ length: (i % 7) + 1 }, (_, k) => `chunk ${i} line ${k} ${'y'.repeat(i % 40)}`);
    w.writeLines('loud', chunk(texts));
    want.push(...texts);
    w.write('loud', line(`single ${i}`, 'stderr'));
    want.push(`single ${i}`);
    if (i % 50 === 0) {
      w.write('setup', line(`a message\nof two lines ${i}`));
      want.push(`a message\nof two lines ${i}`);
    }
  }
  await w.close();
  const got = await streamEntries('abcd-chunks');
  assert.deepEqual(
    got.map((e) => e.text),
    want,
  );
  assert.deepEqual(
    got.map((e) => e.n),
    want.map((_, i) => i + 1),
  );
  assert.equal(got.filter((e) => e.stream === 'stderr').length, 300);
  // A writer resuming inside a chunk skips only the lines already stored.
  const resend = await createLogWriter(redis, 'abcd-chunks', { startAt: want.length - 1 });
  resend.writeLines('loud', chunk(['resent a', 'resent b', 'new c']));
  await resend.close();
  const after = await streamEntries('abcd-chunks');
  assert.deepEqual(
    after.slice(-3).map((e) => e.text),
    [want.at(-2), want.at(-1), 'new c'],
  );
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

test('an entry resent after a reconnect is not doubled', async () => {
  const proxy = await startReplyCutProxy(url);
  const conn = connectRedis(proxy.url, 'test-writer');
  conn.on('error', () => {}); // the cut below
  try {
    const w = await createLogWriter(conn, 'abcd-6', { batchBytes: 4096 });
    let n = 0;
    const write = (count: number) => {
      for (let i = 0; i < count; i++) w.write('s', line(`line ${++n} ${'z'.repeat(50)}`));
    };
    write(1000);
    await w.flush();
    // Redis stores the next entries but their replies are lost, then the connection drops:
    // ioredis reconnects and resends them, and Redis refuses them as already there.
    const key = wireKeys.log('abcd-6');
    const stored = await redis.xlen(key);
    proxy.swallowReplies();
    write(1000);
    const t = Date.now();
    while ((await redis.xlen(key)) === stored) {
      assert.ok(Date.now() - t < 5000, 'the entries never reached Redis');
      await new Promise((r) => setTimeout(r, 5));
    }
    proxy.cut();
    write(1000);
    await w.flush();
    assert.equal(w.dropped, 0, 'a refused resend is not a failure');
    const got = await streamEntries('abcd-6');
    assert.deepEqual(
      got.map((e) => e.n),
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
    assert.ok(got.every((e) => e.text.startsWith(`line ${e.n} `)));
    await w.close();
  } finally {
    conn.disconnect();
  }
});

test('masking holds across entry boundaries: several secrets a line, a secret cut between pieces', async () => {
  const secrets = ['s3cr3t-alpha-0001', 'hunter2-bravo', 'zulu-token-99'];
  const w = await createLogWriter(redis, 'abcd-7', { batchBytes: 64 });
  const sink = new ForwardingSink(
    { log: (source, l) => w.write(source, l) },
    'step',
    new SecretMasker(secrets),
  );
  const expected: string[] = [];
  for (let i = 0; i < 200; i++) {
    const [a, b, c] = secrets as [string, string, string];
    sink.write({ stream: 'stdout', time: i, text: `${i} ${a}${b} and ${c}:${a}` });
    expected.push(`${i} ****** and ***:***`);
    // A long line the runtime cut into pieces, the cut inside a secret.
    const whole = `${'x'.repeat(i % 40)}${c}${'y'.repeat(10)}`;
    const at = (i % 40) + 1 + (i % (c.length - 1));
    sink.write({ stream: 'stdout', time: i, text: whole.slice(0, at), partial: true });
    sink.write({ stream: 'stdout', time: i, text: whole.slice(at) });
    expected.push(`${'x'.repeat(i % 40)}***${'y'.repeat(10)}`);
  }
  await w.close();
  assert.ok((await redis.xlen(wireKeys.log('abcd-7'))) > 20, 'the lines span many entries');
  const read: string[] = [];
  for await (const batch of readLog(redis, memoryLogArchive(), 'abcd-7'))
    read.push(...batch.map((e) => e.text));
  const all = read.join('\n');
  for (const s of secrets) assert.ok(!all.includes(s.slice(0, 8)), `no part of ${s} is shown`);
  // A cut piece may arrive as two lines; joined per original line they read as expected.
  assert.equal(read.filter((t) => t.includes('and')).length, 200);
  assert.deepEqual(
    read.filter((t) => t.includes(' and ')),
    expected.filter((t) => t.includes(' and ')),
  );
  const pieces = read.filter((t) => !t.includes(' and ')).join('');
  assert.equal(pieces, expected.filter((t) => !t.includes(' and ')).join(''));
});
