import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type JobEvent, parseJobEvent } from './job-events.js';

const result = {
  version: 1 as const,
  jobId: 'build',
  name: 'build',
  status: 'success' as const,
  allowedFailure: false,
  attempts: 1,
  steps: [{ name: 'compile', status: 'success' as const, exitCode: 0, attempts: 1, durationMs: 5 }],
  durationMs: 9,
  artifacts: [],
};

const events: JobEvent[] = [
  { version: 1, jobId: 'build', type: 'job-started', attempt: 1 },
  { version: 1, jobId: 'build', type: 'step-started', step: 'compile', attempt: 1 },
  {
    version: 1,
    jobId: 'build',
    type: 'log',
    source: 'compile',
    line: { stream: 'stderr', time: 1_700_000_000_000, text: 'warning: ünïcode ✔' },
  },
  { version: 1, jobId: 'build', type: 'step-finished', result: result.steps[0]! },
  { version: 1, jobId: 'build', type: 'job-finished', result },
];

test('every kind of job event round-trips through JSON unchanged', () => {
  for (const event of events) assert.deepEqual(parseJobEvent(JSON.stringify(event)), { ok: true, event });
});

test('an unknown or missing version is refused with the version understood', () => {
  assert.deepEqual(parseJobEvent({ ...events[0], version: 7 }), {
    ok: false,
    error: 'unsupported job event version 7 (this version of Slipway understands 1)',
  });
  const { version: _, ...unversioned } = events[0]!;
  assert.deepEqual(parseJobEvent(unversioned), {
    ok: false,
    error: 'job event has no version (this version of Slipway understands 1)',
  });
});

test('a wrong field is rejected with its path, down into a nested result', () => {
  const r1 = parseJobEvent({ ...events[2], line: { stream: 'stdin', time: 1, text: '' } });
  assert.match(r1.ok ? '' : r1.error, /^invalid job event: line\.stream: /);
  const r2 = parseJobEvent({
    ...events[4],
    result: { ...result, steps: [{ ...result.steps[0], attempts: -1 }] },
  });
  assert.match(r2.ok ? '' : r2.error, /^invalid job event: result\.steps\[0\]\.attempts: /);
  const r3 = parseJobEvent({ ...events[0], type: 'job-exploded' });
  assert.match(r3.ok ? '' : r3.error, /^invalid job event: type: /);
  const r4 = parseJobEvent({ ...events[1], attempt: 0 });
  assert.match(r4.ok ? '' : r4.error, /^invalid job event: attempt: /);
  const r5 = parseJobEvent({ ...events[4], result: { ...result, error: 'boom' } });
  assert.match(r5.ok ? '' : r5.error, /^invalid job event: result\.error: /);
});
