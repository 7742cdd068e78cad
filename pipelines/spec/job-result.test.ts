import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type JobResult, parseJobResult } from './job-result.js';

function sample(): JobResult {
  return {
    version: 1,
    jobId: 'test-node-20',
    name: 'test (node 20)',
    status: 'failure',
    allowedFailure: false,
    attempts: 2,
    steps: [
      { name: 'install', status: 'success', exitCode: 0, attempts: 1, durationMs: 1200 },
      { name: 'test', status: 'failure', exitCode: 3, attempts: 1, durationMs: 800 },
      { name: 'slow', status: 'failure', exitCode: 143, message: 'timed out', attempts: 2, durationMs: 2000 },
      { name: 'report', status: 'skipped', attempts: 0, durationMs: 0 },
    ],
    durationMs: 4100,
    artifacts: ['out/report.xml'],
    artifactsDir: '/var/lib/slipway/artifacts/run-1',
    image: { digest: `sha256:${'ab'.repeat(32)}`, refs: ['registry.local/app:1'], pushed: true },
    error: {
      message: 'pulling registry.local/base:1: 503 Service Unavailable',
      category: 'temporary',
      context: { image: 'registry.local/base:1' },
    },
  };
}

function mutated(change: (r: Record<string, unknown>) => void): string {
  const r = JSON.parse(JSON.stringify(sample())) as Record<string, unknown>;
  change(r);
  return JSON.stringify(r);
}

test('a JobResult round-trips through JSON unchanged, text or parsed value', () => {
  const text = JSON.stringify(sample());
  assert.deepEqual(parseJobResult(text), { ok: true, result: sample() });
  assert.deepEqual(parseJobResult(JSON.parse(text)), { ok: true, result: sample() });
  const skipped = mutated((r) => {
    r.status = 'skipped';
    r.steps = [];
    r.artifacts = [];
    delete r.artifactsDir;
    delete r.image;
    delete r.error;
  });
  const again = parseJobResult(skipped);
  assert.ok(again.ok, again.ok ? '' : again.error);
  assert.deepEqual(again.result, JSON.parse(skipped));
});

test('an unknown or missing version is refused with the version understood', () => {
  assert.deepEqual(parseJobResult(mutated((r) => (r.version = 2))), {
    ok: false,
    error: 'unsupported JobResult version 2 (this version of Slipway understands 1)',
  });
  assert.deepEqual(parseJobResult(mutated((r) => delete r.version)), {
    ok: false,
    error: 'JobResult has no version (this version of Slipway understands 1)',
  });
});

test('a wrong field is rejected with its path', () => {
  const steps = (r: Record<string, unknown>) => r.steps as Record<string, unknown>[];
  const r1 = parseJobResult(mutated((r) => (steps(r)[1]!.status = 'exploded')));
  assert.match(r1.ok ? '' : r1.error, /^invalid JobResult: steps\[1\]\.status: /);
  const r2 = parseJobResult(mutated((r) => (steps(r)[0]!.exitCode = '0')));
  assert.match(r2.ok ? '' : r2.error, /^invalid JobResult: steps\[0\]\.exitCode: /);
  const r3 = parseJobResult(mutated((r) => delete r.jobId));
  assert.match(r3.ok ? '' : r3.error, /^invalid JobResult: jobId: /);
  const r4 = parseJobResult(mutated((r) => (r.image = { digest: 'latest', refs: [], pushed: false })));
  assert.match(r4.ok ? '' : r4.error, /^invalid JobResult: image\.digest: /);
  const r5 = parseJobResult(mutated((r) => (r.surprise = 1)));
  assert.match(r5.ok ? '' : r5.error, /surprise/);
});

test('error is an object with a message, a temporary/permanent category and string context', () => {
  const errorOf = (r: Record<string, unknown>) => r.error as Record<string, unknown>;
  const asString = parseJobResult(mutated((r) => (r.error = 'image pull failed')));
  assert.match(asString.ok ? '' : asString.error, /^invalid JobResult: error: /);
  const internal = parseJobResult(mutated((r) => (errorOf(r).category = 'internal')));
  assert.match(internal.ok ? '' : internal.error, /^invalid JobResult: error\.category: /);
  const noContext = parseJobResult(mutated((r) => delete errorOf(r).context));
  assert.match(noContext.ok ? '' : noContext.error, /^invalid JobResult: error\.context: /);
  const numeric = parseJobResult(mutated((r) => (errorOf(r).context = { attempt: 2 })));
  assert.match(numeric.ok ? '' : numeric.error, /^invalid JobResult: error\.context\.attempt: /);
  const empty = parseJobResult(mutated((r) => (errorOf(r).message = '')));
  assert.match(empty.ok ? '' : empty.error, /^invalid JobResult: error\.message: /);
  const permanent = parseJobResult(mutated((r) => (errorOf(r).category = 'permanent')));
  assert.ok(permanent.ok && permanent.result.error?.category === 'permanent');
});

test('text that is not a JSON object is rejected, never thrown', () => {
  assert.match((parseJobResult('{"version":') as { error: string }).error, /^JobResult is not valid JSON: /);
  assert.deepEqual(parseJobResult('[1]'), { ok: false, error: 'JobResult must be a JSON object' });
  assert.deepEqual(parseJobResult(undefined), { ok: false, error: 'JobResult must be a JSON object' });
});
