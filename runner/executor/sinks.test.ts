import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLine, LogLines } from '../runtime/index.js';
import type { ExecutorEvents } from './events.js';
import { SecretMasker } from './secret-mask.js';
import { ForwardingSink } from './sinks.js';

const chunk = (texts: string[], time = 7): LogLines => ({
  stream: 'stdout',
  time,
  bytes: Buffer.from(texts.join('\n')),
  count: texts.length,
});

function collect() {
  const lines: LogLine[] = [];
  const chunks: Array<[string, string]> = [];
  const events: ExecutorEvents = {
    log: (_source, line) => lines.push(line),
    logLines: (source, c) => chunks.push([source, c.bytes.toString()]),
  };
  return { lines, chunks, events };
}

test('a chunk of lines goes on whole when nothing is masked, and its last lines make the tail', () => {
  const { events, lines, chunks } = collect();
  const sink = new ForwardingSink(events, 'build step', undefined, 3);
  sink.write({ stream: 'stdout', time: 1, text: 'first' });
  sink.writeLines(chunk(['', 'b']));
  assert.equal(sink.tail(), 'first\n\nb', 'an empty first line of a chunk is kept');
  sink.writeLines(chunk(['c', 'd', 'e', 'f']));
  assert.deepEqual(chunks, [
    ['build step', '\nb'],
    ['build step', 'c\nd\ne\nf'],
  ]);
  assert.deepEqual(
    lines.map((l) => l.text),
    ['first'],
  );
  assert.equal(sink.tail(), 'd\ne\nf');
});

test('a chunk is masked line by line when the job has secrets', () => {
  const { events, lines, chunks } = collect();
  const sink = new ForwardingSink(events, 'step', new SecretMasker(['hunter2hunter2']));
  sink.writeLines(chunk(['ok', 'pw hunter2hunter2', 'done']));
  assert.deepEqual(chunks, []);
  assert.deepEqual(
    lines.map((l) => [l.text, l.time]),
    [
      ['ok', 7],
      ['pw ***', 7],
      ['done', 7],
    ],
  );
  assert.equal(sink.tail(), 'ok\npw ***\ndone');
});

test('events without logLines get a chunk as single lines', () => {
  const lines: string[] = [];
  const sink = new ForwardingSink({ log: (_s, l) => lines.push(l.text) }, 'step');
  sink.writeLines(chunk(['a', 'b']));
  assert.deepEqual(lines, ['a', 'b']);
});
