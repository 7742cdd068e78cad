import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../lib/redis.js';
import {
  finishedReportId,
  JOB_EVENT_VERSION,
  makeJobResult,
  REPORTS_GROUP,
  type RunnerReport,
  WIRE_VERSION,
  wireKeys,
} from '../../pipelines/index.js';
import { reportSender } from '../../runner/worker/reports.js';
import { onCleanup } from '../../test/helpers/cleanup.js';
import { testRedis } from '../../test/helpers/redis.js';
import { ensureReportGroup } from './report-stream.js';
import { consumeReports } from './reports.js';

// The reports path from runners to servers: a stream read through the servers' consumer group,
// each entry acknowledged once applied, taken over from a server that died holding it.

let redis: Redis;
before(async () => {
  redis = connectRedis((await testRedis()).url, 'reports-test');
  onCleanup(() => redis.quit());
});

const report = (jobId: string, type: 'job-started' | 'job-finished', attempt = 1): RunnerReport =>
  type === 'job-started'
    ? {
        version: WIRE_VERSION,
        jobId,
        runner: 'r1',
        attempt,
        event: { version: JOB_EVENT_VERSION, jobId: 'unit', type, attempt: 1 },
      }
    : {
        version: WIRE_VERSION,
        jobId,
        runner: 'r1',
        attempt,
        event: {
          version: JOB_EVENT_VERSION,
          jobId: 'unit',
          type,
          result: makeJobResult({ name: 'unit', id: 'unit', steps: [] } as never, 'success', { attempts: 1 }),
        },
      };
const step = (jobId: string, name: string): RunnerReport => ({
  version: WIRE_VERSION,
  jobId,
  runner: 'r1',
  attempt: 1,
  event: { version: JOB_EVENT_VERSION, jobId: 'unit', type: 'step-started', step: name, attempt: 1 },
});
const describeReport = (r: RunnerReport) =>
  `${r.jobId}:${r.event.type}${r.event.type === 'step-started' ? `:${r.event.step}` : ''}`;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
const pendingCount = async () =>
  Number(((await redis.xpending(wireKeys.reportStream, REPORTS_GROUP)) as [number])[0]);

describe('the report stream', () => {
  it('applies every entry once, each job’s in the order sent, acknowledges it, and trims applied entries', async () => {
    const applied: string[] = [];
    const consumer = consumeReports(
      redis,
      async (reports) => {
        await sleep(Math.random() * 10);
        applied.push(...reports.map(describeReport));
      },
      { upkeepEveryMs: 100 },
    );
    onCleanup(() => consumer.close());
    const send = reportSender(redis);
    for (const id of ['aaaa-1', 'bbbb-1']) {
      await send.send([report(id, 'job-started')]);
      await send.send([step(id, 'one'), step(id, 'two')]);
      await send.send([report(id, 'job-finished')]);
    }
    await until('all applied', () => applied.length === 8);
    for (const id of ['aaaa-1', 'bbbb-1'])
      assert.deepEqual(
        applied.filter((a) => a.startsWith(id)),
        [`${id}:job-started`, `${id}:step-started:one`, `${id}:step-started:two`, `${id}:job-finished`],
      );
    await until('acknowledged', async () => (await pendingCount()) === 0);
    assert.equal(await redis.hexists(wireKeys.reportsPending, finishedReportId('aaaa-1', 1)), 0);
    await until('applied entries trimmed', async () => (await redis.xlen(wireKeys.reportStream)) <= 1);
    await consumer.close();
  });

  it('an entry a server took and died holding is applied by another server once it has been idle long enough', async () => {
    await ensureReportGroup(redis);
    await reportSender(redis).send([report('cccc-1', 'job-finished')]);
    // A server takes it, then dies before applying it (it never acknowledges).
    const taken = await redis.xreadgroup(
      'GROUP',
      REPORTS_GROUP,
      'dead-server',
      'COUNT',
      10,
      'STREAMS',
      wireKeys.reportStream,
      '>',
    );
    assert.ok(taken, 'the dead server took the entry');
    const applied: string[] = [];
    const t0 = Date.now();
    const consumer = consumeReports(redis, async (r) => void applied.push(...r.map(describeReport)), {
      claimIdleMs: 500,
      upkeepEveryMs: 100,
    });
    onCleanup(() => consumer.close());
    await until('taken over and applied', () => applied.includes('cccc-1:job-finished'));
    assert.ok(Date.now() - t0 >= 400, 'not taken from a server that may still be applying it');
    await until('acknowledged', async () => (await pendingCount()) === 0);
    assert.equal(await redis.hexists(wireKeys.reportsPending, finishedReportId('cccc-1', 1)), 0);
    await consumer.close();
  });

  it('an apply that fails is tried again; one that fails every time is given up after 20 deliveries', async () => {
    let flaky = 0;
    let poison = 0;
    const consumer = consumeReports(
      redis,
      async (reports) => {
        const id = reports[0]?.jobId;
        if (id === 'flaky-1' && ++flaky === 1) throw new Error('Redis went away');
        if (id === 'poison-1') {
          poison++;
          throw new Error('always fails');
        }
      },
      { claimIdleMs: 50, upkeepEveryMs: 50 },
    );
    onCleanup(() => consumer.close());
    const send = reportSender(redis);
    await send.send([report('flaky-1', 'job-finished')]);
    await send.send([report('poison-1', 'job-finished')]);
    await until('the flaky one applied on its second try', () => flaky === 2);
    await until('the poison one given up', async () => (await pendingCount()) === 0, 20_000);
    assert.equal(poison, 20, 'tried once per delivery, 20 deliveries');
    assert.equal(await redis.hexists(wireKeys.reportsPending, finishedReportId('poison-1', 1)), 0);
    await consumer.close();
  });

  it('close() ends a blocking read at once', async () => {
    const consumer = consumeReports(redis, async () => undefined);
    await sleep(200); // in its blocking read by now
    const t0 = Date.now();
    await consumer.close();
    assert.ok(Date.now() - t0 < 500, `closed in ${Date.now() - t0} ms`);
  });
});
