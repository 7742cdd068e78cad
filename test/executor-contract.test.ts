import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type JobEvent,
  type JobResult,
  type JobSpec,
  makeEvent,
  parseJobEvent,
  parseJobResult,
  parsePipeline,
  planRun,
} from '../pipelines/index.js';
import type { WorkspaceSource } from '../runner/executor/index.js';
import { createExecutor, type Executor, jobEvents } from '../runner/executor/index.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { createFakeExecutor, type FakeJob } from './helpers/fake-executor.js';
import { tempDir, uniqueName } from './helpers/tmp.js';

/**
 * The Executor contract, run against the scripted fake and the real executor on runc: the same
 * JobSpec (the fake told what its steps do) must give the same JobResult and the same events.
 */
interface Case {
  name: string;
  /** The steps (and options) of a job named `job`. */
  job: string;
  fake: FakeJob;
  /** Abort the job's signal when this line is logged. */
  abortOn?: string;
  check(run: { result: JobResult; trace: string[]; ms: number }): void;
}

const cases: Case[] = [
  {
    name: 'a passing job succeeds with a result per step and its lines in order',
    job: 'steps:\n  - name: first\n    run: echo one; echo two\n  - name: second\n    run: echo three >&2',
    fake: {
      steps: { first: { lines: ['one', 'two'] }, second: { lines: [{ stream: 'stderr', text: 'three' }] } },
    },
    check({ result, trace }) {
      assert.equal(result.status, 'success');
      assert.equal(result.error, undefined);
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.status, s.exitCode, s.attempts]),
        [
          ['first', 'success', 0, 1],
          ['second', 'success', 0, 1],
        ],
      );
      assert.deepEqual(trace, [
        'job-started 1',
        'step-started first 1',
        'log first stdout one',
        'log first stdout two',
        'step-finished first success',
        'step-started second 1',
        'log second stderr three',
        'step-finished second success',
        'job-finished success',
      ]);
    },
  },
  {
    name: 'a failing step fails the job with its exit code; later steps follow when.status',
    job: 'steps:\n  - name: boom\n    run: echo about to fail; exit 3\n  - name: after\n    run: echo never\n  - name: report\n    when: { status: [failure] }\n    run: echo reporting',
    fake: { steps: { boom: { lines: ['about to fail'], exitCode: 3 }, report: { lines: ['reporting'] } } },
    check({ result, trace }) {
      assert.equal(result.status, 'failure');
      assert.equal(result.allowedFailure, false);
      assert.equal(result.error, undefined, 'a failing step is not a job error');
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.status, s.exitCode, s.attempts]),
        [
          ['boom', 'failure', 3, 1],
          ['after', 'skipped', undefined, 0],
          ['report', 'success', 0, 1],
        ],
      );
      assert.deepEqual(trace, [
        'job-started 1',
        'step-started boom 1',
        'log boom stdout about to fail',
        'step-finished boom failure',
        'step-finished after skipped',
        'step-started report 1',
        'log report stdout reporting',
        'step-finished report success',
        'job-finished failure',
      ]);
    },
  },
  {
    name: 'an aborted signal cancels the running step and the rest, soon',
    job: 'steps:\n  - name: wait\n    run: echo started; sleep 600\n  - name: later\n    run: echo never',
    fake: { steps: { wait: { lines: ['started'], hang: true } } },
    abortOn: 'started',
    check({ result, trace, ms }) {
      assert.equal(result.status, 'cancelled');
      assert.deepEqual(result.error, { message: 'cancelled', category: 'permanent', context: {} });
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.status]),
        [
          ['wait', 'cancelled'],
          ['later', 'cancelled'],
        ],
      );
      assert.equal(result.steps[1]?.attempts, 0);
      assert.ok(ms < 10_000, `cancelled after ${ms} ms`);
      assert.deepEqual(trace.at(-1), 'job-finished cancelled');
    },
  },
  {
    name: 'a job past its timeout is cancelled with a permanent "timed out" error',
    job: 'timeout: 2s\nsteps:\n  - name: wait\n    run: echo started; sleep 600',
    fake: { steps: { wait: { lines: ['started'], hang: true } } },
    check({ result, ms }) {
      assert.equal(result.status, 'cancelled');
      assert.deepEqual(result.error, {
        message: 'timed out after 2s',
        category: 'permanent',
        context: { timeoutMs: '2000' },
      });
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.status]),
        [['wait', 'cancelled']],
      );
      assert.ok(ms >= 2000 && ms < 12_000, `stopped after ${ms} ms`);
    },
  },
];

function planJob(job: string): JobSpec {
  const indented = job.replace(/^/gm, '    ');
  const parsed = parsePipeline(`image: busybox:latest\njobs:\n  job:\n${indented}\n`, '.slipway.yml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const planned = planRun(parsed, makeEvent({ run: { id: uniqueName('run'), number: 1 } }));
  if (!planned.ok) throw new Error(planned.errors.map((e) => e.message).join('\n'));
  const spec = planned.plan.jobs[0]?.spec;
  assert.ok(spec);
  return spec;
}

/** Runs a case and checks what every case must hold: wire-valid events and result, in order. */
async function runCase(execute: Executor, c: Case, source: WorkspaceSource): Promise<void> {
  const spec = planJob(c.job);
  const abort = new AbortController();
  const events: JobEvent[] = [];
  const sink = jobEvents(spec.job.id, (e) => {
    events.push(e);
    if (e.type === 'log' && e.line.text === c.abortOn) abort.abort();
  });
  const started = Date.now();
  const result = await execute(spec, source, sink, abort.signal);
  const ms = Date.now() - started;
  assert.deepEqual(parseJobResult(JSON.stringify(result)), { ok: true, result });
  for (const e of events) assert.deepEqual(parseJobEvent(JSON.stringify(e)), { ok: true, event: e });
  assert.equal(result.jobId, spec.job.id);
  assert.deepEqual(events.at(-1), { version: 1, jobId: spec.job.id, type: 'job-finished', result });
  c.check({ result, trace: trace(events), ms });
}

/** The events as short lines (the executor's own `setup` lines left out). */
function trace(events: JobEvent[]): string[] {
  return events.filter((e) => e.type !== 'log' || e.source !== 'setup').map(short);
}

function short(e: JobEvent): string {
  switch (e.type) {
    case 'job-started':
      return `job-started ${e.attempt}`;
    case 'step-started':
      return `step-started ${e.step} ${e.attempt}`;
    case 'log':
      return `log ${e.source} ${e.line.stream} ${e.line.text}`;
    case 'step-finished':
      return `step-finished ${e.result.name} ${e.result.status}`;
    case 'job-finished':
      return `job-finished ${e.result.status}`;
  }
}

describe('Executor contract: the scripted fake', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const fake = createFakeExecutor({ job: c.fake });
      await runCase(fake, c, { kind: 'dir', path: '/nonexistent' });
      assert.equal(fake.calls.length, 1);
    });
  }
});

describe('Executor contract: the real executor on runc', () => {
  const f = useExecutorFixture();
  for (const c of cases) {
    it(c.name, async () => {
      await runCase(createExecutor(f.deps), c, { kind: 'dir', path: await tempDir('contract-src') });
    });
  }
});
