import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { brotliCompressSync } from 'node:zlib';
import { compressEntry, LogBatchBuilder, logStreamEntry } from './log-batch.js';
import { logEntriesFrom } from './log-entry.js';
import { compressText } from './log-text.js';
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
    line(10, '\x1b[31mANSI\x1b[0m\r', 'service:db', 1001),
    line(11, 'lone \ud800 surrogate', 'build', 1001),
    line(12, ''),
  ];
  const b = new LogBatchBuilder(16);
  for (const l of lines) b.add(l.n, l.source, l.stream, l.time, l.text);
  const e = asRead(b);
  assert.equal(e.id, '0-12');
  assert.ok(!e.fields.includes('l'), 'texts joined by newlines: no lengths listed');
  const back = logEntriesFrom(e.id, e.fields);
  assert.deepEqual(back?.slice(0, 4), lines.slice(0, 4));
  assert.equal(back?.[4]?.text, 'lone \ufffd surrogate', 'what UTF-8 can carry');
  assert.deepEqual(back?.[5], lines[5]);
  assert.equal(b.count, 0, 'take empties the builder');
});

test('a chunk of lines is added whole, between single lines, and read back line by line', () => {
  const b = new LogBatchBuilder(16);
  b.add(1, 'step', 'stdout', 5, 'before');
  assert.ok(b.fits(2));
  b.addLines(2, 'step', 'stdout', 5, Buffer.from('two\n\nfour ✓'), 3);
  b.addLines(5, 'step', 'stderr', 6, Buffer.from('five'), 1);
  b.add(6, 'step', 'stderr', 6, 'six');
  const e = asRead(b);
  assert.equal(e.id, '0-6');
  assert.deepEqual(
    logEntriesFrom(e.id, e.fields)?.map((l) => [l.n, l.stream, l.time, l.text]),
    [
      [1, 'stdout', 5, 'before'],
      [2, 'stdout', 5, 'two'],
      [3, 'stdout', 5, ''],
      [4, 'stdout', 5, 'four ✓'],
      [5, 'stderr', 6, 'five'],
      [6, 'stderr', 6, 'six'],
    ],
  );
  assert.equal(
    e.fields[e.fields.indexOf('r') + 1],
    '[[4,"step",0,5],[2,"step",1,6]]',
    'runs count chunk lines',
  );
});

test('a text holding a newline gets an entry that lists lengths, and no chunk joins it', () => {
  const b = new LogBatchBuilder(16);
  b.add(1, 'setup', 'stdout', 1, 'plain');
  assert.equal(b.fits(2, 'two\nlines'), false, 'not into a joined entry');
  assert.throws(() => b.add(2, 'setup', 'stdout', 1, 'two\nlines'), /does not fit/);
  asRead(b);
  b.add(2, 'setup', 'stdout', 1, 'two\nlines');
  b.add(3, 'setup', 'stdout', 1, 'after');
  assert.equal(b.fits(4), false, 'a chunk does not join it');
  const e = asRead(b);
  assert.equal(e.fields[e.fields.indexOf('l') + 1], '9,5');
  assert.deepEqual(
    logEntriesFrom(e.id, e.fields)?.map((l) => l.text),
    ['two\nlines', 'after'],
  );
});

test('an entry of the earlier form (lengths, texts concatenated) still reads', () => {
  const fields = ['n', '3', 'r', '[[2,"s",0,1]]', 'l', '2,3', 'x', 'abcde'];
  assert.deepEqual(
    logEntriesFrom('0-4', fields)?.map((l) => l.text),
    ['ab', 'cde'],
  );
});

test('lines must follow each other', () => {
  const b = new LogBatchBuilder();
  b.add(1, 's', 'stdout', 0, 'one');
  assert.throws(() => b.add(3, 's', 'stdout', 0, 'three'), /does not fit/);
  assert.throws(() => b.addLines(3, 's', 'stdout', 0, Buffer.from('x'), 1), /do not fit/);
});

test('a malformed entry is refused', () => {
  const good = logStreamEntry([line(1, 'ab'), line(2, 'cd')]);
  const set = (k: string, v: string) => good.fields.map((f, i) => (good.fields[i - 1] === k ? v : f));
  assert.ok(logEntriesFrom(good.id, good.fields));
  assert.equal(logEntriesFrom('1-2', good.fields), undefined, 'an id not 0-<n>');
  assert.equal(logEntriesFrom('0-3', good.fields), undefined, 'a count not matching the id');
  assert.equal(logEntriesFrom(good.id, set('x', 'ab\ncd\nef')), undefined, 'more texts than lines');
  assert.equal(logEntriesFrom(good.id, set('x', 'abcd')), undefined, 'fewer texts than lines');
  const old = ['n', '1', 'r', '[[2,"s",0,1]]', 'l', '2,2', 'x', 'abcd'];
  const setOld = (v: string) => old.map((f, i) => (old[i - 1] === 'l' ? v : f));
  assert.ok(logEntriesFrom(good.id, old));
  assert.equal(logEntriesFrom(good.id, setOld('2,3')), undefined, 'lengths beyond the text');
  assert.equal(logEntriesFrom(good.id, setOld('1,2')), undefined, 'lengths short of the text');
  assert.equal(logEntriesFrom(good.id, setOld('2,')), undefined, 'an empty length');
  assert.equal(logEntriesFrom(good.id, set('r', '[[2,"",0,1]]')), undefined, 'a run without source');
  assert.equal(logEntriesFrom(good.id, set('r', '[[1,"s",0,1]]')), undefined, 'runs short of the lines');
  assert.equal(logEntriesFrom(good.id, set('r', '{')), undefined, 'runs not JSON');
  assert.equal(logEntriesFrom(good.id, set('n', '0')), undefined, 'a first line of 0');
});

test('a large entry goes compressed and reads back whole; only as bytes', () => {
  const b = new LogBatchBuilder(1024);
  const texts = Array.from({ length: 400 }, (_, i) => `[${i}] compiling module ${i % 17} of the build, ok ✓`);
  texts.forEach((t, i) => {
    b.add(i + 1, 'step', 'stdout', 9, t);
  });
  const taken = b.take();
  assert.ok(taken);
  const e = compressEntry(taken);
  const z = e.fields.indexOf('z');
  assert.equal(e.fields[z + 1], 'br');
  assert.equal(e.fields.at(-2), 'x', 'the text stays the last field');
  const packed = e.fields.at(-1) as Buffer;
  assert.ok(packed.length < Buffer.byteLength(texts.join('\n')) / 3, `${packed.length} bytes`);
  assert.deepEqual(
    logEntriesFrom(e.id, e.fields)?.map((l) => l.text),
    texts,
  );
  assert.equal(
    logEntriesFrom(
      e.id,
      e.fields.map((f) => f.toString()),
    ),
    undefined,
    'a compressed text read as a string is refused, not shown garbled',
  );
});

test('a short entry, and one that does not compress, goes as it is', () => {
  const short = new LogBatchBuilder();
  short.add(1, 's', 'stdout', 0, 'x'.repeat(4000));
  const s = short.take();
  assert.ok(s);
  assert.equal(compressEntry(s), s);
  assert.equal(compressText(randomBytes(30_000)), undefined, 'bytes that do not compress');
});

test('a compressed text that expands past 8 MiB or is not Brotli is refused', () => {
  const bomb = brotliCompressSync(Buffer.alloc(9 * 1024 * 1024, 'a'));
  const fields = (x: Buffer) => ['n', '1', 'r', '[[1,"s",0,1]]', 'z', 'br', 'x', x];
  assert.equal(logEntriesFrom('0-1', fields(bomb)), undefined);
  assert.equal(logEntriesFrom('0-1', fields(Buffer.from('not brotli'))), undefined);
  assert.equal(
    logEntriesFrom('0-1', ['n', '1', 'r', '[[1,"s",0,1]]', 'z', 'lz4', 'x', Buffer.from('a')]),
    undefined,
  );
  assert.deepEqual(
    logEntriesFrom('0-1', fields(brotliCompressSync(Buffer.from('fine'))))?.map((l) => l.text),
    ['fine'],
  );
});
