import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePipeline } from './parse.js';

const errorsOf = (text: string) => {
  const r = parsePipeline(text, '.slipway.yml');
  assert.equal(r.ok, false, 'the file should be refused');
  return r.ok ? [] : r.errors;
};

test('100k nested flow lists or mappings: one "nested too deeply" error with its position, quickly', () => {
  const n = 100_000;
  for (const text of [
    `name: deep\njobs: ${'['.repeat(n)}${']'.repeat(n)}\n`,
    `name: deep\njobs:\n  a: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`,
  ]) {
    const started = Date.now();
    const errors = errorsOf(text);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const [e] = errors;
    assert.match(e?.message ?? '', /^nested too deeply: more than 64 levels/);
    assert.doesNotMatch(e?.message ?? '', /call stack/);
    assert.ok((e?.line ?? 0) >= 2, `positioned on the nesting line, got ${e?.line}:${e?.col}`);
  }
});

test('deep block nesting names its line; ordinary nesting is untouched', () => {
  const block = (depth: number) =>
    `jobs:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} x\n`;
  const [e] = errorsOf(block(100));
  assert.match(e?.message ?? '', /nested too deeply/);
  // Line n+1 opens level n+1: the error is where the limit is passed, not at the file's start.
  assert.ok((e?.line ?? 0) >= 64 && (e?.line ?? 0) <= 67, `at line ${e?.line}`);
  for (const err of errorsOf(block(30))) assert.doesNotMatch(err.message, /nested too deeply/);
  const ok = parsePipeline(
    'image: busybox:latest\njobs:\n  a:\n    env: {A: "1"}\n    steps:\n      - run: [echo, {x: [1]}]\n',
    'a.yml',
  );
  if (!ok.ok) for (const err of ok.errors) assert.doesNotMatch(err.message, /nested too deeply/);
});
