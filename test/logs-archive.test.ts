import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type LogEntry, type LogStreamEntry, logStreamEntry, wireKeys } from '../pipelines/index.js';
import { openRegistryClient, parseReference } from '../runner/oci/index.js';
import {
  archiveJobLog,
  fileLogArchive,
  type LogArchive,
  logArchiveDir,
  memoryLogArchive,
  readLog,
  registryLogArchive,
} from '../server/store/index.js';
import { testRedis } from './helpers/redis.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/** The LogArchive contract on both implementations; archiving a stream; reading live or archived. */
const entry = (n: number, text = `line ${n}`): LogEntry => ({
  n,
  source: n % 2 ? 'test' : 'service:db',
  stream: n % 3 ? 'stdout' : 'stderr',
  time: 1_700_000_000_000 + n,
  text,
});
/** Lines 1..count packed `per` to a stream entry, as a runner's writer stores them. */
function packed(count: number, per = 7): LogStreamEntry[] {
  const out: LogStreamEntry[] = [];
  for (let n = 1; n <= count; n += per)
    out.push(logStreamEntry(Array.from({ length: Math.min(per, count - n + 1) }, (_, i) => entry(n + i))));
  return out;
}
async function* entries(count: number, per = 7): AsyncGenerator<LogStreamEntry> {
  yield* packed(count, per);
}
async function collect(it: AsyncIterable<LogEntry[]> | undefined): Promise<LogEntry[]> {
  assert.ok(it, 'the log exists');
  const out: LogEntry[] = [];
  for await (const batch of it) {
    assert.ok(batch.length > 0, 'no empty batch');
    out.push(...batch);
  }
  return out;
}

let registry: ReturnType<typeof testRegistry> | undefined;
/** An archive in a private registry (started once for the file), with a fresh cache dir. */
async function inRegistry(): Promise<LogArchive> {
  registry ??= testRegistry();
  const { host } = await registry;
  return registryLogArchive({
    client: await openRegistryClient({ hostOnly: 'any' }),
    repository: parseReference(`${host}/slipway/logs`),
    cacheDir: await tempDir('log-cache'),
  });
}

const implementations: [string, () => Promise<LogArchive>][] = [
  ['file', async () => fileLogArchive(await tempDir('logs'))],
  ['memory', async () => memoryLogArchive()],
  ['registry', inRegistry],
];
for (const [name, make] of implementations) {
  describe(`LogArchive contract: ${name}`, () => {
    test('what is put is got back whole, or after a line number', async () => {
      const a = await make();
      assert.equal(await a.has('abcd-1'), false);
      assert.equal(await a.get('abcd-1'), undefined);
      const special = { ...entry(3), text: '\x1b[31mred\x1b[0m "quoted" ✓ 😀 \\ tab\t\nnewline' };
      await a.put(
        'abcd-1',
        (async function* () {
          yield logStreamEntry([entry(1), entry(2)]);
          yield logStreamEntry([special, entry(4)]);
        })(),
      );
      assert.equal(await a.has('abcd-1'), true);
      assert.deepEqual(await collect(await a.get('abcd-1')), [entry(1), entry(2), special, entry(4)]);
      assert.deepEqual(
        (await collect(await a.get('abcd-1', { after: 2 }))).map((e) => e.n),
        [3, 4],
      );
      assert.deepEqual(
        (await collect(await a.get('abcd-1', { after: 3 }))).map((e) => e.n),
        [4],
        'a resume in the middle of an entry gets exactly the rest',
      );
      assert.deepEqual(await collect(await a.get('abcd-1', { after: 4 })), []);
    });
    test('a second put replaces the first; a failed put leaves the earlier copy', async () => {
      const a = await make();
      await a.put('abcd-2', entries(3));
      await a.put('abcd-2', entries(5));
      assert.equal((await collect(await a.get('abcd-2'))).length, 5);
      const failing = (async function* () {
        yield logStreamEntry([entry(1)]);
        throw new Error('source gone');
      })();
      await assert.rejects(a.put('abcd-2', failing), /source gone/);
      assert.equal((await collect(await a.get('abcd-2'))).length, 5);
    });
    test('entries given as raw bytes read back as the same lines', async () => {
      const a = await make();
      const bytes = (e: LogStreamEntry) => ({ id: e.id, fields: e.fields.map((f) => Buffer.from(f)) });
      // A text that looks like an archive record must stay a line's text.
      const tricky = { ...entry(2), text: '{"id":"0-9","fields":["n","9"],"bytes":3}' };
      await a.put(
        'abcd-4',
        (async function* () {
          yield bytes(logStreamEntry([entry(1), tricky]));
          yield bytes(logStreamEntry([{ ...entry(3), text: 'ünïcödé ✓' }]));
        })(),
      );
      assert.deepEqual(
        (await collect(await a.get('abcd-4'))).map((e) => e.text),
        ['line 1', tricky.text, 'ünïcödé ✓'],
      );
    });
    test('50,000 entries round-trip in order', async () => {
      const a = await make();
      await a.put('abcd-3', entries(50_000));
      const got = await collect(await a.get('abcd-3', { after: 10 }));
      assert.equal(got.length, 49_990);
      assert.deepEqual(got.at(-1), entry(50_000));
    });
  });
}

test('the file archive writes <dataDir>/logs/<jobId>.log, leaves no temp file, refuses a path as id', async () => {
  const dir = await tempDir('logs');
  const a = fileLogArchive(dir);
  await a.put('abcd-1', entries(2));
  assert.deepEqual(await readdir(logArchiveDir(dir)), ['abcd-1.log']);
  await assert.rejects(a.put('../../etc/x', entries(1)), /not a job id/);
});

test('an archive written in the earlier form (gzipped, one JSON line per entry) still reads; a new put replaces it', async () => {
  const dir = await tempDir('logs');
  await mkdir(logArchiveDir(dir), { recursive: true });
  const old = packed(20, 7).map((e) => `${JSON.stringify({ id: e.id, fields: e.fields.map(String) })}\n`);
  await writeFile(join(logArchiveDir(dir), 'abcd-9.jsonl.gz'), gzipSync(old.join('')));
  const a = fileLogArchive(dir);
  assert.equal(await a.has('abcd-9'), true);
  const got = await collect(await a.get('abcd-9', { after: 3 }));
  assert.deepEqual(
    got.map((e) => e.n),
    Array.from({ length: 17 }, (_, i) => i + 4),
  );
  assert.deepEqual(got[0], entry(4));
  await a.put('abcd-9', entries(3));
  assert.deepEqual(await readdir(logArchiveDir(dir)), ['abcd-9.log']);
  assert.equal((await collect(await a.get('abcd-9'))).length, 3);
});

test('a file archive with a record that is not one fails the read instead of guessing', async () => {
  const dir = await tempDir('logs');
  await mkdir(logArchiveDir(dir), { recursive: true });
  await writeFile(join(logArchiveDir(dir), 'abcd-8.log'), '{"id":"0-1","fields":[],"bytes":-1}\nxx\n');
  await assert.rejects(collect(await fileLogArchive(dir).get('abcd-8')), /malformed log archive record/);
});

describe('archiving a job log', () => {
  let redis: Redis;
  before(async () => {
    redis = connectRedis((await testRedis()).url, 'test');
  });
  after(() => redis.quit());
  const fill = async (jobId: string, count: number, per = 7) => {
    const pipe = redis.pipeline();
    for (const e of packed(count, per)) pipe.xadd(wireKeys.log(jobId), e.id, ...e.fields);
    await pipe.exec();
  };

  test('readLog reads a live stream and an archived one the same way', async () => {
    const archive = fileLogArchive(await tempDir('logs'));
    await fill('live-1', 4500);
    const live = await collect(readLog(redis, archive, 'live-1', { after: 7 }));
    await archiveJobLog(redis, archive, 'live-1');
    assert.equal(await redis.exists(wireKeys.log('live-1')), 0, 'the stream is gone from Redis');
    const archived = await collect(readLog(redis, archive, 'live-1', { after: 7 }));
    assert.equal(live.length, 4493);
    assert.deepEqual(archived, live);
    assert.deepEqual(
      await collect(readLog(redis, archive, 'never-1')),
      [],
      'a job without a log reads empty',
    );
  });

  test('archiving is idempotent and redone after a crash between the copy and the delete', async () => {
    const archive = memoryLogArchive();
    await fill('crash-1', 10);
    // The crash: the archive was written, the stream not yet deleted (and it has the whole log).
    await archive.put('crash-1', entries(6));
    await archiveJobLog(redis, archive, 'crash-1');
    assert.equal((await collect(await archive.get('crash-1'))).length, 10, 'the copy is redone whole');
    await archiveJobLog(redis, archive, 'crash-1');
    assert.equal((await collect(await archive.get('crash-1'))).length, 10, 'a second run changes nothing');
    assert.equal(await redis.exists(wireKeys.log('crash-1')), 0);
  });

  test('a reader whose stream is archived half-way continues from the archive without a gap or a double', async () => {
    const archive = memoryLogArchive();
    await fill('mid-1', 5000);
    const got: number[] = [];
    for await (const batch of readLog(redis, archive, 'mid-1')) {
      got.push(...batch.map((e) => e.n));
      if (batch.some((e) => e.n === 100)) await archiveJobLog(redis, archive, 'mid-1');
    }
    assert.deepEqual(
      got,
      Array.from({ length: 5000 }, (_, i) => i + 1),
    );
  });

  test('resuming after a line in the middle of an entry gives exactly the rest, live and archived', async () => {
    const archive = fileLogArchive(await tempDir('logs'));
    await fill('resume-1', 1000, 64);
    for (const after of [0, 1, 63, 64, 65, 100, 999, 1000]) {
      const live = await collect(readLog(redis, archive, 'resume-1', { after }));
      assert.deepEqual(
        live.map((e) => e.n),
        Array.from({ length: 1000 - after }, (_, i) => after + i + 1),
        `live, after ${after}`,
      );
      assert.deepEqual(live[0], after < 1000 ? entry(after + 1) : undefined);
    }
    await archiveJobLog(redis, archive, 'resume-1');
    for (const after of [0, 1, 63, 64, 65, 100, 999, 1000]) {
      const archived = await collect(readLog(redis, archive, 'resume-1', { after }));
      assert.deepEqual(
        archived.map((e) => e.n),
        Array.from({ length: 1000 - after }, (_, i) => after + i + 1),
        `archived, after ${after}`,
      );
    }
  });

  test('a malformed entry is skipped and overlapping entries give each line once, live and archived', async () => {
    const archive = memoryLogArchive();
    const key = wireKeys.log('odd-1');
    const good = logStreamEntry([entry(1), entry(2), entry(3)]);
    await redis.xadd(key, good.id, ...good.fields);
    // Lengths that do not add up to the text: nothing of it is shown.
    await redis.xadd(key, '0-5', 'n', '4', 'r', '[[2,"test",0,1]]', 'l', '3,9', 'x', 'abcdef');
    // A second writer that started again at line 2 (its lines 2..5 are already read by then).
    const overlap = logStreamEntry([entry(2), entry(3), entry(4), entry(5), { ...entry(6), text: 'six' }]);
    await redis.xadd(key, overlap.id, ...overlap.fields);
    const expected = [entry(1), entry(2), entry(3), entry(4), entry(5), { ...entry(6), text: 'six' }];
    assert.deepEqual(await collect(readLog(redis, archive, 'odd-1')), expected);
    await archiveJobLog(redis, archive, 'odd-1');
    assert.deepEqual(await collect(readLog(redis, archive, 'odd-1')), expected);
    assert.deepEqual(
      (await collect(readLog(redis, archive, 'odd-1', { after: 3 }))).map((e) => e.n),
      [4, 5, 6],
    );
  });
});

test('the registry archive: a log put through one server is read through another, from the registry', async () => {
  const writer = await inRegistry();
  const { host } = await (registry as ReturnType<typeof testRegistry>);
  const readerCache = await tempDir('log-cache');
  const reader = registryLogArchive({
    client: await openRegistryClient({ hostOnly: 'any' }),
    repository: parseReference(`${host}/slipway/logs`),
    cacheDir: readerCache,
  });
  assert.equal(await reader.has('wxyz-1'), false);
  await writer.put('wxyz-1', entries(1000));
  assert.equal(await reader.has('wxyz-1'), true);
  assert.deepEqual(
    await collect(await reader.get('wxyz-1', { after: 990 })),
    Array.from({ length: 10 }, (_, i) => entry(991 + i)),
  );
  assert.equal(
    (await readdir(readerCache)).filter((n) => n.endsWith('.log')).length,
    1,
    'fetched once into the local copy',
  );
  await assert.rejects(writer.put('../x', entries(1)), /not a job id/);
});
