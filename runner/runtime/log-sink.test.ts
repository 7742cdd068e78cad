import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { MemoryLogSink, pipeLines } from './log-sink.js';
import type { LogLine, LogLines } from './types.js';

test('pipeLines splits chunks into timestamped lines and flushes the last partial line', async () => {
  const sink = new MemoryLogSink();
  const src = new PassThrough();
  const done = pipeLines(src, 'stderr', sink);
  const before = Date.now();
  src.write('one\ntw');
  src.write('o\n\nthr');
  src.end('ee');
  await done;
  assert.deepEqual(
    sink.lines.map((l) => [l.stream, l.text]),
    [
      ['stderr', 'one'],
      ['stderr', 'two'],
      ['stderr', ''],
      ['stderr', 'three'],
    ],
  );
  for (const l of sink.lines) assert.ok(l.time >= before && l.time <= Date.now());
  assert.equal(sink.text('stderr'), 'one\ntwo\n\nthree\n');
});

test('pipeLines cuts overlong lines instead of buffering without bound', async () => {
  const sink = new MemoryLogSink();
  const src = new PassThrough();
  const done = pipeLines(src, 'stdout', sink);
  src.end(Buffer.alloc(150 * 1024, 'a'));
  await done;
  assert.deepEqual(
    sink.lines.map((l) => l.text.length),
    [65536, 65536, 150 * 1024 - 131072],
  );
});

test('pipeLines marks the cut pieces of a long line and never cuts inside a character', async () => {
  const sink = new MemoryLogSink();
  const src = new PassThrough();
  const done = pipeLines(src, 'stdout', sink);
  src.write(`${'a'.repeat(65535)}é${'b'.repeat(10)}`);
  src.end('\nshort');
  await done;
  assert.deepEqual(
    sink.lines.map((l) => [l.text.length, l.partial]),
    [
      [65535, true],
      [11, undefined],
      [5, undefined],
    ],
  );
  assert.equal(sink.lines[1]?.text, `é${'b'.repeat(10)}`);
});

test('pipeLines joins a line and a character that chunk boundaries split', async () => {
  const sink = new MemoryLogSink();
  const src = new PassThrough();
  const done = pipeLines(src, 'stdout', sink);
  const bytes = Buffer.from('first ✓ line\nsecond é\nthird');
  for (const at of [3, 7, 8, 9, 14, 21, 22]) {
    sink.lines.length = 0;
    src.write(bytes.subarray(0, at));
    src.write(bytes.subarray(at));
    src.write('\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      sink.lines.map((l) => l.text),
      ['first ✓ line', 'second é', 'third'],
      `split at byte ${at}`,
    );
  }
  src.end();
  await done;
});

test('a sink taking whole chunks gets the same lines, each chunk of complete lines in one call', async () => {
  const calls: string[] = [];
  const lines: string[] = [];
  const sink = {
    write: (l: LogLine) => {
      calls.push('write');
      lines.push(l.text);
    },
    writeLines: (c: LogLines) => {
      calls.push(`chunk of ${c.count}`);
      const texts = c.bytes.toString().split('\n');
      assert.equal(texts.length, c.count);
      lines.push(...texts);
    },
  };
  const src = new PassThrough();
  const done = pipeLines(src, 'stdout', sink);
  const input = ['one\ntwo\n\nthr', 'ee\nfour\nfi', 've', `\n${'x'.repeat(70_000)}\nsix\n`, 'last'];
  for (const part of input) {
    src.write(part);
    await new Promise((r) => setImmediate(r));
  }
  src.end();
  await done;
  const plain = new MemoryLogSink();
  const again = new PassThrough();
  const plainDone = pipeLines(again, 'stdout', plain);
  for (const part of input) again.write(part);
  again.end();
  await plainDone;
  assert.deepEqual(
    lines,
    plain.lines.map((l) => l.text),
  );
  assert.deepEqual(calls.slice(0, 4), ['chunk of 3', 'write', 'chunk of 1', 'write']);
  assert.ok(
    calls.slice(4).every((c) => c === 'write'),
    'a chunk longer than a line may be goes line by line',
  );
});

test("a sink's backpressure stops reading the stream until it is ready again", async () => {
  let release: (() => void) | undefined;
  const got: number[] = [];
  const sink = {
    write: () => undefined,
    writeLines: (c: LogLines) => got.push(c.count),
    ready: () => (got.length === 1 ? new Promise<void>((r) => (release = r)) : undefined),
  };
  const src = new PassThrough();
  const done = pipeLines(src, 'stdout', sink);
  src.write('a\nb\n');
  await new Promise((r) => setImmediate(r));
  src.write('c\n');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got, [2], 'nothing read while held');
  assert.ok(src.isPaused());
  release?.();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, [2, 1]);
  src.end();
  await done;
});
