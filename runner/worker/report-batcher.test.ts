import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  JOB_EVENT_VERSION,
  type JobEvent,
  makeJobResult,
  parseRunnerReports,
  type RunnerReport,
  WIRE_VERSION,
} from '../../pipelines/index.js';
import { reportBatcher } from './report-batcher.js';
import type { ReportSender } from './reports.js';

// A job's reports reach the servers in order and in fewer stream entries: a job's start with its
// first step's, a last step's end with the job's.

const report = (event: Exclude<JobEvent, { type: 'log' }>, jobId = 'abcd1234-1'): RunnerReport => ({
  version: WIRE_VERSION,
  jobId,
  runner: 'r1',
  attempt: 1,
  event,
});
const base = { version: JOB_EVENT_VERSION, jobId: 'unit' } as const;
const started = report({ ...base, type: 'job-started', attempt: 1 });
const stepStarted = report({ ...base, type: 'step-started', step: 'test', attempt: 1 });
const stepFinished = report({
  ...base,
  type: 'step-finished',
  result: { name: 'test', status: 'success', exitCode: 0, attempts: 1, durationMs: 5 },
});
const result = makeJobResult({ id: 'unit', name: 'unit' }, 'success');
const finished = report({ ...base, type: 'job-finished', result });

/** A sender that records each send's reports (event types), taking `delayMs` per send. */
function recorder(delayMs = 0, failFirst = false) {
  const sends: string[][] = [];
  let calls = 0;
  const sender: ReportSender = {
    async send(reports) {
      calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      if (failFirst && calls === 1) throw new Error('redis is away');
      sends.push(reports.map((r) => r.event.type));
    },
    close: async () => undefined,
  };
  return { sender, sends };
}

describe('a runner sending a job attempt reports', () => {
  it('sends a start and a step start close together as one, and the end pair at once', async () => {
    const { sender, sends } = recorder();
    const send = reportBatcher(sender, 30);
    const a = send(started);
    const b = send(stepStarted);
    await Promise.all([a, b]);
    assert.deepEqual(sends, [['job-started', 'step-started']]);
    const c = send(stepFinished);
    const t = Date.now();
    await Promise.all([c, send(finished)]);
    assert.ok(Date.now() - t < 25, 'job-finished does not wait out the linger');
    assert.deepEqual(sends[1], ['step-finished', 'job-finished']);
  });

  it('sends a lone report once the linger is over', async () => {
    const { sender, sends } = recorder();
    const t = Date.now();
    await reportBatcher(sender, 30)(started);
    assert.ok(Date.now() - t >= 25);
    assert.deepEqual(sends, [['job-started']]);
  });

  it('keeps the order when a send is slow, and a failed send rejects only its own reports', async () => {
    const { sender, sends } = recorder(40, true);
    const send = reportBatcher(sender, 5);
    const first = send(started);
    await new Promise((r) => setTimeout(r, 10)); // the first send is under way
    const second = send(stepStarted);
    const third = send(finished);
    await assert.rejects(first, /redis is away/);
    await Promise.all([second, third]);
    assert.deepEqual(sends, [['step-started', 'job-finished']]);
  });
});

describe('the server reading the report stream', () => {
  it('reads one report or a batch, in order', () => {
    assert.deepEqual(parseRunnerReports(started), { ok: true, value: [started] });
    const batch = { version: WIRE_VERSION, reports: [stepFinished, finished] };
    assert.deepEqual(parseRunnerReports(batch), { ok: true, value: [stepFinished, finished] });
  });

  it('refuses a batch that mixes jobs, with a message saying so', () => {
    const other = report({ ...base, type: 'job-started', attempt: 1 }, 'abcd1234-2');
    const parsed = parseRunnerReports({ version: WIRE_VERSION, reports: [started, other] });
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.error, /one job attempt/);
  });
});
