import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLine } from '../runtime/index.js';
import type { ExecutorEvents } from './events.js';
import { SecretMasker } from './secret-mask.js';
import { ForwardingSink } from './sinks.js';

function collect(): { events: ExecutorEvents; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, events: { log: (_source, line) => lines.push(line) } };
}

test('masks a value, each line of a multi-line value, and leaves short values alone', () => {
  const m = new SecretMasker(['s3cr3t-token', 'line-one\r\nline-two\n\nok', 'abc']);
  assert.equal(m.mask('TOKEN=s3cr3t-token; again s3cr3t-token'), 'TOKEN=***; again ***');
  assert.equal(m.mask('got line-two and line-one'), 'got *** and ***');
  assert.equal(m.mask('ok abc'), 'ok abc', 'values and lines under 4 characters are not masked');
  assert.equal(m.skipped, 1);
});

test('a value containing another is masked whole', () => {
  const m = new SecretMasker(['pass', 'password123']);
  assert.equal(m.mask('password123 pass'), '*** ***');
});

test('masks a secret that the runtime cut across two pieces of a long line', () => {
  const secret = 'very-secret-value-0123456789';
  const { events, lines } = collect();
  const sink = new ForwardingSink(events, 'step', new SecretMasker([secret]));
  const whole = `${'x'.repeat(100)}${secret}${'y'.repeat(50)}`;
  for (const at of [1, 5, 101, 110, 127, 128, 129, 140]) {
    lines.length = 0;
    sink.write({ stream: 'stdout', time: 0, text: whole.slice(0, at), partial: true });
    sink.write({ stream: 'stderr', time: 0, text: 'other stream' });
    sink.write({ stream: 'stdout', time: 0, text: whole.slice(at) });
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    assert.equal(out.join(''), `${'x'.repeat(100)}***${'y'.repeat(50)}`, `cut at ${at}`);
    for (const l of lines) assert.ok(!l.text.includes('very-secret'), `cut at ${at}: ${l.text}`);
    assert.ok(!('partial' in (lines[0] as LogLine)), 'the flag does not leave the executor');
  }
});

test('the tail kept for error messages is masked', () => {
  const { events } = collect();
  const sink = new ForwardingSink(events, 'service:db', new SecretMasker(['hunter2hunter2']));
  sink.write({ stream: 'stderr', time: 0, text: 'auth failed for hunter2hunter2' });
  assert.equal(sink.tail(), 'auth failed for ***');
});
