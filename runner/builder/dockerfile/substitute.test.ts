/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables are the subject under test */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { substitute } from './substitute.js';

const vars: Record<string, string> = { A: 'a', EMPTY: '', SP: 'x y' };
const lookup = (n: string) => vars[n];
const sub = (w: string, escapeChar = '\\', heredoc = false) => {
  const r = substitute(w, lookup, { escapeChar, heredoc });
  return 'error' in r ? `ERR:${r.error}` : r.value;
};

test('plain and braced variables, unset is empty', () => {
  assert.equal(sub('$A-${A}-$NOPE-${NOPE}'), 'a-a--');
  assert.equal(sub('$A$A'), 'aa');
  assert.equal(sub('${SP}'), 'x y');
  assert.equal(sub('cost $ 5 and $/'), 'cost $ 5 and $/');
});

test('modifiers with and without colon', () => {
  assert.equal(sub('${NOPE:-d}|${EMPTY:-d}|${A:-d}'), 'd|d|a');
  assert.equal(sub('${NOPE-d}|${EMPTY-d}|${A-d}'), 'd||a');
  assert.equal(sub('${NOPE:+w}|${EMPTY:+w}|${A:+w}'), '||w');
  assert.equal(sub('${NOPE+w}|${EMPTY+w}|${A+w}'), '|w|w');
  assert.equal(sub('${NOPE:-$A}'), 'a');
  assert.match(sub('${NOPE:?must be set}'), /ERR:NOPE: must be set/);
});

test('quotes and escapes follow the Dockerfile lexer', () => {
  assert.equal(sub("'$A'"), '$A');
  assert.equal(sub('"$A b"'), 'a b');
  assert.equal(sub('\\$A'), '$A');
  assert.equal(sub('"\\$A \\x"'), '$A \\x');
  assert.equal(sub('a\\ b'), 'a b');
  assert.equal(sub('`$A', '`'), '$A');
  assert.equal(sub('C:\\dir', '`'), 'C:\\dir');
});

test('heredoc mode keeps quotes and only unescapes $ and the escape char', () => {
  assert.equal(sub('"$A" \'$A\' \\$A \\n', '\\', true), '"a" \'a\' $A \\n');
});

test('malformed input is an error, not an exception', () => {
  assert.match(sub("'open"), /ERR:.*single-quote/);
  assert.match(sub('"open'), /ERR:.*double-quote/);
  assert.match(sub('${A'), /ERR:/);
  assert.match(sub('${}'), /ERR:bad substitution/);
  assert.match(sub('${A/x/y}'), /ERR:unsupported modifier/);
});
