import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCKERFILE_LIMITS } from './limits.js';
import { parseDockerfile, parseOnbuildTriggers } from './parse.js';

function errors(text: string): string[] {
  const r = parseDockerfile(text);
  return r.ok ? [] : r.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
}

const envLines = (n: number) => Array.from({ length: n }, (_, i) => `ENV V${i}=${i}`).join('\n');

test(`at most ${DOCKERFILE_LIMITS.instructions} instructions, FROM included`, () => {
  const max = DOCKERFILE_LIMITS.instructions;
  assert.deepEqual(errors(`FROM scratch\n${envLines(max - 1)}\n`), []);
  assert.deepEqual(errors(`FROM scratch\n${envLines(max)}\n`), [
    `Dockerfile:${max + 1}: the Dockerfile has ${max + 1} instructions; the limit is ${max} (FROM and ARG included)`,
  ]);
});

test('an instruction over 128 KiB is refused without quoting it', () => {
  const long = `RUN echo ${'x'.repeat(DOCKERFILE_LIMITS.instructionBytes)}`;
  const e = errors(`FROM scratch\nRUN true\n${long}\n`);
  assert.deepEqual(e, [
    `Dockerfile:3: the instruction is ${Buffer.byteLength(long)} bytes long; the limit is 128 KiB (continuation lines joined, heredoc bodies apart)`,
  ]);
  assert.ok(e[0]!.length < 200);
  // continuation lines count together; a long heredoc body does not
  const joined = `RUN echo \\\n${Array.from({ length: 40 }, () => `${'y'.repeat(4000)} \\`).join('\n')}\n  done`;
  assert.match(
    errors(`FROM scratch\n${joined}\n`)[0] ?? '',
    /^Dockerfile:2: the instruction is 16\d{4} bytes long/,
  );
  const body = Array.from({ length: 100 }, () => 'z'.repeat(4000)).join('\n');
  assert.deepEqual(errors(`FROM scratch\nCOPY <<EOF /f\n${body}\nEOF\n`), []);
});

test('a Dockerfile over 4 MiB is refused (bytes, not characters)', () => {
  const chars = Math.ceil(DOCKERFILE_LIMITS.bytes / 3) + 1;
  const text = `FROM scratch\nCOPY <<EOF /f\n${'€'.repeat(chars)}\nEOF\n`;
  assert.ok(text.length < DOCKERFILE_LIMITS.bytes);
  assert.deepEqual(errors(text), [
    `Dockerfile:1: the Dockerfile is ${Buffer.byteLength(text)} bytes; the limit is 4 MiB`,
  ]);
});

test('a base image with too many ONBUILD triggers is refused', () => {
  const max = DOCKERFILE_LIMITS.instructions;
  const r = parseOnbuildTriggers(
    Array.from({ length: max + 1 }, () => 'ENV A=1'),
    'base',
  );
  assert.ok(!r.ok);
  assert.equal(r.errors[0]!.message, `the image has ${max + 1} ONBUILD triggers; the limit is ${max}`);
});
