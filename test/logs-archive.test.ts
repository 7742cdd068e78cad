import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { connectRedis, type Redis } from '../lib/redis.js';
import { type LogEntry, logEntryFields, wireKeys } from '../pipelines/index.js';
import {
  archiveJobLog,
  fileLogArchive,
  type LogArchive,
  logArchiveDir,
  memoryLogArchive,
  readLog,
} from '../server/store/index.js';
import { testRedis } from './helpers/redis.js';
import { tempDir } from './helpers/tmp.js';

/** The LogArchive contract on both implementations; archiving a stream; reading live or archived. */
const entry = (n: number, text = `line ${n}`): LogEntry => ({
  n,
  source: n % 2 ? 'test' : 'service:db',
  stream: n % 3 ? 'stdout' : 'stderr',
  time: 1_700_000_000_000 + n,
  text,
});
async function* entries(count: number): AsyncGenerator<LogEntry> {
  for (let n = 1; n <= count; n++) yield entry(n);
}
async function collect(it: AsyncIterable<LogEntry> | undefined): Promise<LogEntry[]> {
  assert.ok(it, 'the log exists');
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const implementations: [string, () => Promise<LogArchive>][] = [
  ['file', async () => fileLogArchive(await tempDir('logs'))],
  ['memory', async () => memoryLogArchive()],
];
for (const [name, make] of implementations) {
  describe(`LogArchive contract: ${name}`, () => {
    test('what is put is got back whole, or after a line number', async () => {
      const a = await make();
      assert.equal(await a.has('abcd-1'), false);
      assert.equal(await a.get('abcd-1'), undefined);
      const special = { ...entry(3), text: '\x1b[31mred\x1b[0m "quoted" ✓ \\ tab\t' };
      await a.put(
        'abcd-1',
        (async function* () {
          yield entry(1);
          yield entry(2);
          yield special;
          yield entry(4);
        })(),
      );
      assert.equal(await a.has('abcd-1'), true);
      assert.deepEqual(await collect(await a.get('abcd-1')), [entry(1), entry(2), special, entry(4)]);
      assert.deepEqual(
        (await collect(await a.get('abcd-1', { after: 2 }))).map((e) => e.n),
        [3, 4],
      );
      assert.deepEqual(await collect(await a.get('abcd-1', { after: 4 })), []);
    });
    test('a second put replaces the first; a failed put leaves the earlier copy', async () => {
      const a = await make();
      await a.put('abcd-2', entries(3));
      await a.put('abcd-2', entries(5));
      assert.equal((await collect(await a.get('abcd-2'))).length, 5);
      const failing = (async function* () {
        yield entry(1);
        throw new Error('source gone');
      })();
      await assert.rejects(a.put('abcd-2', failing), /source gone/);
      assert.equal((await collect(await a.get('abcd-2'))).length, 5);
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

test('the file archive writes <dataDir>/logs/<jobId>.jsonl.gz, leaves no temp file, refuses a path as id', async () => {
  const dir = await tempDir('logs');
  const a = fileLogArchive(dir);
  await a.put('abcd-1', entries(2));
  assert.deepEqual(await readdir(logArchiveDir(dir)), ['abcd-1.jsonl.gz']);
  await assert.rejects(a.put('../../etc/x', entries(1)), /not a job id/);
});

describe('archiving a job log', () => {
  let redis: Redis;
  before(async () => {
    redis = connectRedis((await testRedis()).url, 'test');
  });
  after(() => redis.quit());
  const fill = async (jobId: string, count: number) => {
    const pipe = redis.pipeline();
    for (let n = 1; n <= count; n++) pipe.xadd(wireKeys.log(jobId), `0-${n}`, ...logEntryFields(entry(n)));
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
    assert.equal(archive.logs.get('crash-1')?.length, 10, 'the copy is redone whole');
    await archiveJobLog(redis, archive, 'crash-1');
    assert.equal(archive.logs.get('crash-1')?.length, 10, 'a second run changes nothing');
    assert.equal(await redis.exists(wireKeys.log('crash-1')), 0);
  });

  test('a reader whose stream is archived half-way continues from the archive without a gap or a double', async () => {
    const archive = memoryLogArchive();
    await fill('mid-1', 5000);
    const got: number[] = [];
    for await (const e of readLog(redis, archive, 'mid-1')) {
      got.push(e.n);
      if (e.n === 100) await archiveJobLog(redis, archive, 'mid-1');
    }
    assert.deepEqual(
      got,
      Array.from({ length: 5000 }, (_, i) => i + 1),
    );
  });
});
