import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayHaveDirectives, prepareDirectiveParser } from './lines.js';
import { parseDockerfile } from './parse.js';

const escapeOf = (text: string) => {
  const r = parseDockerfile(text, 'Dockerfile');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value.escapeChar;
};

test('only leading comment lines holding "=" can be directives', () => {
  for (const t of [
    '# escape=`\nFROM a\n',
    '\uFEFF# escape=`\nFROM a',
    '\n\n  #syntax=x\nFROM a',
    '# a\n# b=c\nFROM a',
  ])
    assert.equal(mayHaveDirectives(t), true, JSON.stringify(t));
  for (const t of ['FROM a\n# escape=`\n', '# just a comment\nFROM a=b\n', '', '\n\n', 'RUN a=b'])
    assert.equal(mayHaveDirectives(t), false, JSON.stringify(t));
});

test('directives read the same with the parser preloaded, loaded on demand, or skipped', async () => {
  // Before any preload: the parse loads dockerfile-ast itself when the text may hold directives.
  assert.equal(escapeOf('# escape=`\nFROM a\nRUN x `\n  y\n'), '`');
  await prepareDirectiveParser('# escape=`\n');
  assert.equal(escapeOf('\uFEFF# escape=`\r\nFROM a\r\n'), '`');
  // A directive after a comment, a blank line or an instruction is a comment, as in Docker.
  assert.equal(escapeOf('# hello\n# escape=`\nFROM a\n'), '\\');
  assert.equal(escapeOf('\n# escape=`\nFROM a\n'), '\\');
  assert.equal(escapeOf('FROM a\n# escape=`\nRUN x\n'), '\\');
  const bad = parseDockerfile('# escape=x\nFROM a', 'Dockerfile');
  assert.ok(!bad.ok && bad.errors[0]!.message.includes('invalid escape'));
});
