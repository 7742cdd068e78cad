import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parsePipeline } from '../parse/parse.js';
import { makeEvent } from '../plan/event.js';
import { planRun } from '../plan/plan.js';
import { type JobSpec, parseJobSpec } from './jobspec.js';

function exampleSpecs(): JobSpec[] {
  const text = readFileSync(new URL('../examples/full/.slipway.yml', import.meta.url), 'utf8');
  const parsed = parsePipeline(text, '.slipway.yml');
  assert.ok(parsed.ok);
  const planned = planRun(parsed, makeEvent({ kind: 'tag', tag: 'v1.0.0' }));
  assert.ok(planned.ok);
  return planned.plan.jobs.map((j) => j.spec);
}

test('every JobSpec of the full example round-trips through JSON unchanged', () => {
  const specs = exampleSpecs();
  assert.ok(specs.length >= 6);
  assert.ok(specs.some((s) => s.services.length > 0 && s.build === undefined));
  assert.ok(specs.some((s) => s.build?.push === true && s.cache === undefined));
  assert.ok(specs.some((s) => s.cache?.hashFiles.includes('package-lock.json')));
  for (const spec of specs) {
    const again = parseJobSpec(JSON.stringify(spec));
    assert.ok(again.ok, again.ok ? '' : again.error);
    assert.deepEqual(again.spec, spec);
  }
});

function mutated(change: (s: Record<string, unknown>) => void): string {
  const spec = JSON.parse(JSON.stringify(exampleSpecs()[0])) as Record<string, unknown>;
  change(spec);
  return JSON.stringify(spec);
}

test('an unknown or missing version is refused with the version this runner understands', () => {
  assert.deepEqual(parseJobSpec(mutated((s) => (s.version = 2))), {
    ok: false,
    error: 'unsupported JobSpec version 2 (this runner understands 1)',
  });
  assert.deepEqual(parseJobSpec(mutated((s) => delete s.version)), {
    ok: false,
    error: 'JobSpec has no version (this runner understands 1)',
  });
});

test('a wrong field is rejected with its path', () => {
  const r1 = parseJobSpec(mutated((s) => ((s.steps as Record<string, unknown>[])[0]!.timeoutMs = '10m')));
  assert.equal(r1.ok, false);
  assert.match(r1.ok ? '' : r1.error, /^invalid JobSpec: steps\[0\]\.timeoutMs: /);
  const r2 = parseJobSpec(mutated((s) => (s.repo = { url: 'x' })));
  assert.match(r2.ok ? '' : r2.error, /repo\.commit: /);
  const r3 = parseJobSpec(mutated((s) => (s.artifacts = ['../../etc'])));
  assert.match(r3.ok ? '' : r3.error, /artifacts\[0\]: must be a relative path without "\.\."/);
  const r5 = parseJobSpec(mutated((s) => ((s.steps as Record<string, unknown>[])[0]!.workdir = 'app')));
  assert.match(r5.ok ? '' : r5.error, /steps\[0\]\.workdir: must be an absolute path without "\.\."/);
  const r4 = parseJobSpec(mutated((s) => (s.surprise = true)));
  assert.match(r4.ok ? '' : r4.error, /surprise/);
});

test('resources and network: optional (older payloads validate), bounded when present', () => {
  const plain = JSON.parse(mutated(() => {})) as Record<string, unknown>;
  assert.equal(plain.resources, undefined);
  assert.ok(parseJobSpec(plain).ok);
  const limited = mutated((s) => {
    s.resources = { memoryBytes: 512 * 2 ** 20, cpus: 1.5, pids: 256 };
    const step = (s.steps as Record<string, unknown>[])[0]!;
    step.resources = { memoryBytes: 256 * 2 ** 20, cpus: 1.5, pids: 256 };
    step.network = 'none';
  });
  const ok = parseJobSpec(limited);
  assert.ok(ok.ok, ok.ok ? '' : ok.error);
  assert.deepEqual(ok.spec.steps[0]?.resources, { memoryBytes: 256 * 2 ** 20, cpus: 1.5, pids: 256 });
  assert.equal(ok.spec.steps[0]?.network, 'none');
  const step = (s: Record<string, unknown>) => (s.steps as Record<string, unknown>[])[0]!;
  const r1 = parseJobSpec(mutated((s) => (step(s).network = 'host')));
  assert.match(r1.ok ? '' : r1.error, /steps\[0\]\.network: /);
  const r2 = parseJobSpec(mutated((s) => (s.resources = { memoryBytes: 1024 })));
  assert.match(r2.ok ? '' : r2.error, /resources\.memoryBytes: /);
  const r3 = parseJobSpec(mutated((s) => (step(s).resources = { cpus: 0 })));
  assert.match(r3.ok ? '' : r3.error, /steps\[0\]\.resources\.cpus: /);
  const r4 = parseJobSpec(mutated((s) => (s.resources = { memory: '1G' })));
  assert.match(r4.ok ? '' : r4.error, /memory/);
});

test('text that is not a JSON object is rejected, never thrown', () => {
  assert.match((parseJobSpec('{"version":') as { error: string }).error, /^JobSpec is not valid JSON: /);
  assert.deepEqual(parseJobSpec('[1]'), { ok: false, error: 'JobSpec must be a JSON object' });
  assert.deepEqual(parseJobSpec('null'), { ok: false, error: 'JobSpec must be a JSON object' });
});
