import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGlobalArgs, evaluateStage } from '../dockerfile/evaluate.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { type BaseIdentity, fromKey, type StepInputs, stageKeys } from './keys.js';

const BASE: BaseIdentity = { kind: 'image', digest: 'sha256:base' };
const DOCKERFILE = [
  'FROM busybox',
  'ENV APP=/app',
  'COPY deps.txt $APP/',
  'RUN echo install',
  'ARG LATE=1',
  'RUN echo build $LATE',
  'COPY src/ $APP/src/',
].join('\n');

function keys(text: string, buildArgs: Record<string, string> = {}, hashes: Record<string, string> = {}) {
  const p = parseDockerfile(text);
  assert.ok(p.ok);
  const g = evaluateGlobalArgs(p.value, buildArgs);
  assert.ok(g.ok);
  const steps = evaluateStage(p.value, p.value.stages[0]!, {
    buildArgs,
    globals: g.value,
    baseEnv: ['PATH=/bin'],
  });
  assert.ok(steps.ok);
  const inputs: StepInputs[] = steps.value.map((s) => {
    const ins = s.instruction;
    if (ins.kind !== 'COPY') return {};
    const src = ins.sources[0];
    return { sourcesHash: hashes[src?.kind === 'path' ? src.path : ''] ?? 'sha256:default' };
  });
  return stageKeys(BASE, steps.value, inputs);
}

/** Index of the first differing key (or -1). */
const firstChange = (a: string[], b: string[]) => a.findIndex((k, i) => k !== b[i]);

test('unchanged inputs give the same keys; reformatting and comments do not matter', () => {
  const a = keys(DOCKERFILE);
  assert.deepEqual(keys(DOCKERFILE), a);
  const reformatted = DOCKERFILE.replace('RUN echo install', '# a comment\nrun   echo install').replace(
    'ENV APP=/app',
    'ENV APP /app',
  );
  assert.deepEqual(keys(reformatted), a);
  assert.equal(new Set(a).size, a.length);
});

test('a file used only by the last COPY changes only the last key', () => {
  const a = keys(DOCKERFILE, {}, { 'src/': 'sha256:v1' });
  const b = keys(DOCKERFILE, {}, { 'src/': 'sha256:v2' });
  assert.equal(firstChange(a, b), a.length - 1);
});

test('a build arg used only by a late RUN changes keys from that RUN on', () => {
  const a = keys(DOCKERFILE, { LATE: '1' });
  const b = keys(DOCKERFILE, { LATE: '2' });
  assert.equal(firstChange(a, b), 4); // the RUN after ARG LATE
  assert.equal(a[3], b[3]);
});

test('substituted values, not the variable names, make the key; proxy args never do', () => {
  const a = keys('FROM b\nARG D=/x\nWORKDIR $D');
  const b = keys('FROM b\nARG D=/y\nWORKDIR $D');
  assert.notEqual(a[1], b[1]);
  const c = keys('FROM b\nWORKDIR /x');
  assert.equal(keys('FROM b\nWORKDIR /x\nRUN true', { HTTP_PROXY: 'http://p' })[0], c[0]);
  assert.deepEqual(
    keys('FROM b\nRUN true', { HTTP_PROXY: 'http://a' }),
    keys('FROM b\nRUN true', { HTTP_PROXY: 'http://b' }),
  );
});

test('mount specs and the base are part of the key', () => {
  const a = keys('FROM b\nRUN --mount=type=cache,target=/c make');
  const b = keys('FROM b\nRUN --mount=type=cache,target=/d make');
  assert.notEqual(a[0], b[0]);
  assert.notEqual(fromKey(BASE), fromKey({ kind: 'scratch' }));
  assert.notEqual(fromKey(BASE), fromKey({ kind: 'image', digest: 'sha256:other' }));
});
