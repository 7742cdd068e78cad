import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { connectRedis, type Redis } from '../lib/redis.js';
import { wireKeys } from '../pipelines/index.js';
import { createLogWriter } from '../runner/worker/index.js';
import { logRoutes } from '../server/api/index.js';
import { archiveJobLog, type JobRecord, type JobState, memoryLogArchive } from '../server/store/index.js';
import { testRedis } from './helpers/redis.js';
import { readSse } from './helpers/sse.js';

/** The log endpoints on a real listener: text, NDJSON, SSE live and archived, resuming, the end. */
let redis: Redis;
let base: string;
let close: () => void;
const archive = memoryLogArchive();
const jobs = new Map<string, { state: JobState; private?: boolean }>();

before(async () => {
  redis = connectRedis((await testRedis()).url, 'test');
  const app = new Hono();
  app.route(
    '/api/jobs',
    logRoutes({
      redis,
      archive,
      // The routes read only a job's id and state; the rest of the record does not matter here.
      job: async (id) => {
        const j = jobs.get(id);
        return j ? ({ id, state: j.state } as unknown as JobRecord) : undefined;
      },
      canRead: async (c, job) => !jobs.get(job.id)?.private || c.req.header('authorization') === 'Bearer ok',
      blockMs: 200,
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/jobs`;
  close = () => server.close();
});
after(async () => {
  close();
  await redis.quit();
});

const line = (text: string) => ({ stream: 'stdout' as const, time: Date.now(), text });
const numbers = (events: { id?: string; event: string }[]) =>
  events.filter((e) => e.event === 'line').map((e) => Number(e.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('the log as text (ANSI kept) and as NDJSON; unknown job 404, private job 401', async () => {
  jobs.set('text-1', { state: 'running' });
  const w = await createLogWriter(redis, 'text-1');
  w.write('build', line('\x1b[1mbold\x1b[0m'));
  w.write('test', { stream: 'stderr', time: 5, text: 'second' });
  await w.close();
  const text = await fetch(`${base}/text-1/log`);
  assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(await text.text(), '\x1b[1mbold\x1b[0m\nsecond\n');
  const json = await fetch(`${base}/text-1/log?format=json&after=1`);
  assert.deepEqual(
    (await json.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ number: 2, step: 'test', stream: 'stderr', time: 5, text: 'second' }],
  );
  const missing = await fetch(`${base}/nope-1/log`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error, 'not_found');
  jobs.set('priv-1', { state: 'running', private: true });
  assert.equal((await fetch(`${base}/priv-1/log/stream`)).status, 401);
  assert.equal((await fetch(`${base}/priv-1/log`, { headers: { authorization: 'Bearer ok' } })).status, 200);
});

test('SSE while lines are written: disconnect after 30, resume with Last-Event-ID, exactly the rest, then end', async () => {
  jobs.set('live-1', { state: 'running' });
  const w = await createLogWriter(redis, 'live-1');
  let n = 0;
  const producer = setInterval(() => {
    for (let i = 0; i < 5 && n < 200; i++) w.write('step', line(`line ${++n}`));
  }, 10);
  const first = await readSse(`${base}/live-1/log/stream`, { onEvent: (e) => numbers([e])[0] !== 30 });
  assert.deepEqual(numbers(first.events), range(1, 30));
  assert.ok(n < 200, 'the reader disconnected while lines were still being written');
  const rest = readSse(`${base}/live-1/log/stream`, { lastEventId: '30' });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (n < 200) return;
      clearInterval(check);
      resolve();
    }, 10);
  });
  clearInterval(producer);
  await w.close();
  jobs.set('live-1', { state: 'failure' });
  const second = await rest;
  assert.deepEqual(numbers(second.events), range(31, 200));
  const data = second.events.filter((e) => e.event === 'line').map((e) => JSON.parse(e.data).text);
  assert.equal(data[0], 'line 31');
  assert.deepEqual(second.events.at(-1), { event: 'end', data: '{"state":"failure"}' });
});

test('SSE of an archived log: the same lines, resumable, and the end event', async () => {
  jobs.set('arch-1', { state: 'running' });
  const w = await createLogWriter(redis, 'arch-1');
  for (let i = 1; i <= 50; i++) w.write('step', line(`line ${i}`));
  await w.close();
  jobs.set('arch-1', { state: 'success' });
  await archiveJobLog(redis, archive, 'arch-1');
  assert.equal(await redis.exists(wireKeys.log('arch-1')), 0);
  const first = await readSse(`${base}/arch-1/log/stream`, { onEvent: (e) => numbers([e])[0] !== 12 });
  assert.deepEqual(numbers(first.events), range(1, 12));
  const second = await readSse(`${base}/arch-1/log/stream`, { lastEventId: '12' });
  assert.deepEqual(numbers(second.events), range(13, 50));
  assert.deepEqual(second.events.at(-1), { event: 'end', data: '{"state":"success"}' });
  const text = await (await fetch(`${base}/arch-1/log`)).text();
  assert.equal(text.split('\n').length, 51, 'the text log is served from the archive too');
});

test('a live reader whose log is archived while it waits gets every line once and the end', async () => {
  jobs.set('move-1', { state: 'running' });
  const w = await createLogWriter(redis, 'move-1');
  const reading = readSse(`${base}/move-1/log/stream`);
  for (let i = 1; i <= 20; i++) w.write('step', line(`line ${i}`));
  await w.flush();
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 21; i <= 40; i++) w.write('step', line(`line ${i}`));
  await w.close();
  await archiveJobLog(redis, archive, 'move-1');
  jobs.set('move-1', { state: 'cancelled' });
  const got = await reading;
  assert.deepEqual(numbers(got.events), range(1, 40));
  assert.deepEqual(got.events.at(-1), { event: 'end', data: '{"state":"cancelled"}' });
});

test('a reader that disconnects stops reading: its Redis connection is closed', async () => {
  jobs.set('gone-1', { state: 'running' });
  const clients = async () =>
    String(await redis.client('LIST'))
      .trim()
      .split('\n').length;
  const idle = await clients();
  const w = await createLogWriter(redis, 'gone-1');
  w.write('step', line('one'));
  await w.close();
  const seen = await readSse(`${base}/gone-1/log/stream`, { onEvent: () => false });
  assert.equal(seen.events.length, 1);
  const t = Date.now();
  while ((await clients()) > idle) {
    assert.ok(Date.now() - t < 3000, 'the blocking connection of a gone reader is still open');
    await new Promise((r) => setTimeout(r, 50));
  }
});

/** The same request's JSON before and after the job's log is archived. */
async function liveAndArchived<T>(jobId: string, read: () => Promise<T>): Promise<[T, T]> {
  const live = await read();
  await archiveJobLog(redis, archive, jobId);
  assert.equal(await redis.exists(wireKeys.log(jobId)), 0);
  return [live, await read()];
}

test('a window of lines (after, limit) and the outline: sections by step, read from headers, live and archived alike', async () => {
  jobs.set('wind-1', { state: 'running' });
  const w = await createLogWriter(redis, 'wind-1');
  for (let i = 1; i <= 3; i++) w.write('build', line(`build ${i}`));
  await w.flush();
  for (let i = 1; i <= 4; i++) w.write('test', line(`test ${i}`));
  w.write('slipway', line('runner says'));
  await w.flush();
  w.write('test', line('test 5'));
  await w.close();
  jobs.set('wind-1', { state: 'success' });
  const window = async () =>
    (await (await fetch(`${base}/wind-1/log?format=json&after=2&limit=3`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).text);
  const outline = async () => (await fetch(`${base}/wind-1/log/outline`)).json();
  const [liveWindow, archivedWindow] = await liveAndArchived('wind-1', async () => [
    await window(),
    await outline(),
  ]);
  assert.deepEqual(liveWindow, archivedWindow);
  assert.deepEqual(liveWindow[0], ['build 3', 'test 1', 'test 2']);
  assert.deepEqual(liveWindow[1], {
    lines: 9,
    sections: [
      { step: 'build', first: 1, last: 3 },
      { step: 'test', first: 4, last: 7 },
      { step: 'slipway', first: 8, last: 8 },
      { step: 'test', first: 9, last: 9 },
    ],
    state: 'success',
  });
  assert.equal(await (await fetch(`${base}/wind-1/log?after=8&limit=5`)).text(), 'test 5\n');
  assert.equal((await fetch(`${base}/wind-1/log?limit=0`)).status, 400);
});

test('search: shown text (colours and \\r overwrites), any case, the whole count, matches paged by after and limit', async () => {
  jobs.set('find-1', { state: 'running' });
  const w = await createLogWriter(redis, 'find-1');
  w.write('build', line('\x1b[31mERR\x1b[0mOR: first'));
  w.write('build', line('ok'));
  w.write('build', line('progress 10%\rerror: second'));
  w.write('build', line('error?\rdone, no match here'));
  for (let i = 0; i < 20; i++) w.write('build', line(`Error ${i}`));
  await w.close();
  const search = async (query: string) => (await fetch(`${base}/find-1/log/search?${query}`)).json();
  const [live, archived] = await liveAndArchived('find-1', async () => [
    await search('q=error&limit=5'),
    await search('q=error&after=10&limit=100'),
  ]);
  assert.deepEqual(live, archived);
  assert.deepEqual(live[0], { query: 'error', count: 22, lines: [1, 3, 5, 6, 7], more: true });
  assert.deepEqual(live[1].lines, range(11, 24));
  assert.equal(live[1].more, false);
  const empty = await fetch(`${base}/find-1/log/search?q=`);
  assert.equal(empty.status, 400);
  assert.match((await empty.json()).message, /needs a text/);
});
