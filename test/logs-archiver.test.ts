import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectRedis, type Redis } from '../lib/redis.js';
import {
  type LogEntry,
  type LogStreamEntry,
  logStreamEntry,
  makeEvent,
  parsePipeline,
  planRun,
  wireKeys,
} from '../pipelines/index.js';
import {
  createLogArchiver,
  fileLogArchive,
  type JobRecord,
  keys,
  type LogArchive,
  logArchiveDir,
  readLog,
} from '../server/store/index.js';
import { testRedis } from './helpers/redis.js';
import { tempDir } from './helpers/tmp.js';

/** The live archiver: a job's log copied while it runs, whole and once, with the full copy as fallback. */
let redis: Redis;
before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
});
after(() => redis.quit());

const line = (n: number): LogEntry => ({
  n,
  source: 'test',
  stream: 'stdout',
  time: 1_700_000_000_000,
  text: `line ${n}`,
});
/** Appends lines from+1..to to the job's stream, 10 to an entry, as a runner's writer does. */
async function write(jobId: string, from: number, to: number): Promise<void> {
  const pipe = redis.pipeline();
  for (let n = from + 1; n <= to; n += 10) {
    const e = logStreamEntry(Array.from({ length: Math.min(10, to - n + 1) }, (_, i) => line(n + i)));
    pipe.xadd(wireKeys.log(jobId), e.id, ...e.fields);
  }
  await pipe.exec();
}
async function archivedLines(archive: LogArchive, jobId: string): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of readLog(redis, archive, jobId)) out.push(...batch.map((l) => l.n));
  return out;
}
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `archive` whose puts count the entries they have taken, and fail at `failAt` (the first put only). */
function counting(archive: LogArchive, failAt = Number.POSITIVE_INFINITY) {
  const state = { taken: 0, puts: 0 };
  const wrapped: LogArchive = {
    ...archive,
    put(jobId, entries) {
      const put = ++state.puts;
      return archive.put(
        jobId,
        (async function* (): AsyncGenerator<LogStreamEntry> {
          for await (const e of entries) {
            if (put === 1 && ++state.taken >= failAt) throw new Error('disk full');
            yield e;
          }
        })(),
      );
    },
  };
  return { archive: wrapped, state };
}

test('a followed job is archived while it runs: every line once, the stream gone at its end', async () => {
  const { archive, state } = counting(fileLogArchive(await tempDir('logs')));
  const archiver = createLogArchiver(redis, archive);
  archiver.follow('live-1');
  archiver.follow('live-1'); // a second start of the same job copies nothing twice
  await write('live-1', 0, 3000);
  await sleep(300);
  await write('live-1', 3000, 5000);
  await sleep(300);
  assert.equal(state.taken, 500, 'the lines written so far were copied before the job ended');
  await write('live-1', 5000, 5003); // the last lines, just before the job's end
  await archiver.finish('live-1');
  assert.equal(state.puts, 1);
  assert.equal(await redis.exists(wireKeys.log('live-1')), 0, 'the stream is gone from Redis');
  assert.deepEqual(await archivedLines(archive, 'live-1'), upTo(5003));
  await archiver.finish('live-1'); // applied again (a redelivered report): nothing changes
  assert.deepEqual(await archivedLines(archive, 'live-1'), upTo(5003));
});

test('a job this server did not follow, a failed copy or an abandoned one is archived whole at its end', async () => {
  const files = fileLogArchive(await tempDir('logs'));
  await write('other-1', 0, 800);
  await createLogArchiver(redis, files).finish('other-1');
  assert.deepEqual(await archivedLines(files, 'other-1'), upTo(800));

  const { archive, state } = counting(files, 50);
  const archiver = createLogArchiver(redis, archive);
  archiver.follow('failing-1');
  await write('failing-1', 0, 2000);
  await sleep(200);
  await archiver.finish('failing-1');
  assert.equal(state.puts, 2, 'the failed live copy was replaced by a full one');
  assert.deepEqual(await archivedLines(files, 'failing-1'), upTo(2000));

  archiver.follow('closed-1');
  await write('closed-1', 0, 700);
  archiver.close(); // the server stops; the job's end is applied by a server started later
  await createLogArchiver(redis, files).finish('closed-1');
  assert.deepEqual(await archivedLines(files, 'closed-1'), upTo(700));
});

test("a killed server's half-written archive files are removed when the archive is opened again", async () => {
  const dataDir = await tempDir('logs');
  const dir = logArchiveDir(dataDir);
  await mkdir(dir, { recursive: true });
  const dead = spawnSync('true').pid as number;
  const deadTemp = `.run1-0.${dead}.a1b2c3.tmp`;
  const liveTemp = `.run1-1.${process.pid}.d4e5f6.tmp`;
  await writeFile(join(dir, deadTemp), 'half a log');
  await writeFile(join(dir, liveTemp), 'a copy under way');
  await writeFile(join(dir, 'run1-2.log'), 'an archived log');
  fileLogArchive(dataDir);
  for (let i = 0; i < 50 && (await readdir(dir)).includes(deadTemp); i++) await sleep(20);
  assert.deepEqual((await readdir(dir)).sort(), [liveTemp, 'run1-2.log'].sort());
});

test('a copy whose job another server ended stops by itself, leaving no temp file', async () => {
  const dataDir = await tempDir('logs');
  const archiver = createLogArchiver(redis, fileLogArchive(dataDir));
  const jobId = 'elsewhere-1';
  await redis.set(keys.job(jobId), JSON.stringify(jobRecord(jobId, 'running')));
  archiver.follow(jobId);
  await write(jobId, 0, 300);
  // Another server applies the job's end and archives it into its own archive.
  await redis.set(keys.job(jobId), JSON.stringify(jobRecord(jobId, 'success')));
  await createLogArchiver(redis, fileLogArchive(await tempDir('logs'))).finish(jobId);
  const temps = async () =>
    (await readdir(logArchiveDir(dataDir)).catch(() => [] as string[])).filter((n) => n.endsWith('.tmp'));
  for (let i = 0; i < 100 && (await temps()).length > 0; i++) await sleep(50);
  assert.deepEqual(await temps(), [], 'the copy ended and removed its temp file');
  archiver.close();
});

/** A job record in `state`, as the orchestration stores it. */
function jobRecord(id: string, state: JobRecord['state']): JobRecord {
  const parsed = parsePipeline(
    "image: busybox:latest\njobs:\n  job:\n    steps:\n      - run: 'true'\n",
    '.slipway.yml',
  );
  if (!parsed.ok) throw new Error('fixture pipeline');
  const planned = planRun(parsed, makeEvent({ run: { id: 'run1abcd', number: 1 } }));
  const spec = planned.ok ? planned.plan.jobs[0]?.spec : undefined;
  if (!spec) throw new Error('fixture plan');
  return {
    id,
    runId: 'run1abcd',
    planId: 'job',
    name: 'job',
    layer: 0,
    state,
    spec,
    steps: [],
    attempts: 1,
    allowedFailure: false,
  };
}
