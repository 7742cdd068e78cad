import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogBatchBuilder, logEntriesFrom, logStreamEntry } from './log-batch.js';
import type { LogEntry } from './wire.js';

const line = (n: number, text: string, source = 'step', time = 1000): LogEntry => ({
  n,
  source,
  stream: n % 2 ? 'stdout' : 'stderr',
  time,
  text,
});
/** What a reader gets back from Redis: the text field decoded as UTF-8. */
const asRead = (b: LogBatchBuilder) => {
  const e = b.take();
  assert.ok(e);
  return { id: e.id, fields: e.fields.map((f) => f.toString()) };
};

test('an entry gives back its lines: texts of any kind, sources, streams and times in runs', () => {
  const lines = [
    line(7, 'plain'),
    line(8, ''),
    line(9, 'ünïcödé ✓ 😀', 'service:db'),
    line(10, 'a\nnewline and \x1b[31mANSI\x1b[0m', 'service:db', 1001),
    line(11, 'lone \ud800 surrogate', 'build', 1001),
  ];
  const b = new LogBatchBuilder(16);
  for (const l of lines) b.add(l.n, l.source, l.stream, l.time, l.text);
  const e = asRead(b);
  assert.equal(e.id, '0-11');
  const back = logEntriesFrom(e.id, e.fields);
  assert.deepEqual(back?.slice(0, 4), lines.slice(0, 4));
  assert.equal(back?.[4]?.text, 'lone \ufffd surrogate', 'what UTF-8 can carry, at the same length');
  assert.equal(b.count, 0, 'take empties the builder');
});

test('lines must follow each other', () => {
  const b = new LogBatchBuilder();
  b.add(1, 's', 'stdout', 0, 'one');
  assert.throws(() => b.add(3, 's', 'stdout', 0, 'three'), /not the next one/);
});

test('a malformed entry is refused', () => {
  const good = logStreamEntry([line(1, 'ab'), line(2, 'cd')]);
  const set = (k: string, v: string) => good.fields.map((f, i) => (good.fields[i - 1] === k ? v : f));
  assert.ok(logEntriesFrom(good.id, good.fields));
  assert.equal(logEntriesFrom('1-2', good.fields), undefined, 'an id not 0-<n>');
  assert.equal(logEntriesFrom('0-3', good.fields), undefined, 'a count not matching the id');
  assert.equal(logEntriesFrom(good.id, set('l', '2,3')), undefined, 'lengths beyond the text');
  assert.equal(logEntriesFrom(good.id, set('l', '1,2')), undefined, 'lengths short of the text');
  assert.equal(logEntriesFrom(good.id, set('l', '2,')), undefined, 'an empty length');
  assert.equal(logEntriesFrom(good.id, set('r', '[[2,"",0,1]]')), undefined, 'a run without source');
  assert.equal(logEntriesFrom(good.id, set('r', '[[1,"s",0,1]]')), undefined, 'runs short of the lines');
  assert.equal(logEntriesFrom(good.id, set('r', '{')), undefined, 'runs not JSON');
  assert.equal(logEntriesFrom(good.id, set('n', '0')), undefined, 'a first line of 0');
});
