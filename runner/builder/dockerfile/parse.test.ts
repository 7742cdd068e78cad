/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables are the subject under test */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instruction } from './model.js';
import { parseDockerfile, parseOnbuildTriggers } from './parse.js';

function parse(text: string) {
  const r = parseDockerfile(text);
  if (!r.ok) assert.fail(r.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  return r.value;
}
function errorsOf(text: string) {
  const r = parseDockerfile(text);
  assert.equal(r.ok, false, 'expected a parse error');
  return r.ok ? [] : r.errors;
}
const only = (text: string): Instruction => parse(text).stages[0]!.instructions[0]!;

test('directives, backtick escape, continuations and comments inside them', () => {
  const df = parse(
    '# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  # a comment\n\n  && echo b\n',
  );
  assert.equal(df.escapeChar, '`');
  const run = df.stages[0]!.instructions[0]!;
  assert.equal(run.kind, 'RUN');
  assert.deepEqual(run.kind === 'RUN' && run.command, { form: 'shell', text: 'echo a   && echo b' });
  assert.equal(run.line, 4);
  assert.equal(run.endLine, 7);
});

test('a directive after a comment is just a comment', () => {
  assert.equal(parse('# hello\n# escape=`\nFROM a\n').escapeChar, '\\');
  assert.equal(errorsOf('# escape=x\nFROM a')[0]!.message.includes('invalid escape'), true);
});

test('keywords are case-insensitive; JSON vs shell form', () => {
  const df = parse('from a\nrun ["echo", "a b"]\nCmd echo hi\nENTRYPOINT [not json\n');
  const [run, cmd, ep] = df.stages[0]!.instructions;
  assert.deepEqual(run?.kind === 'RUN' && run.command, { form: 'exec', argv: ['echo', 'a b'] });
  assert.deepEqual(cmd?.kind === 'CMD' && cmd.command, { form: 'shell', text: 'echo hi' });
  assert.deepEqual(ep?.kind === 'ENTRYPOINT' && ep.command, { form: 'shell', text: '[not json' });
});

test('heredocs: RUN, <<- tab stripping, several in COPY, quoted delimiter', () => {
  const df = parse(
    'FROM a\nRUN <<EOF\necho $HOME\nEOF\nRUN <<-EOT sh\n\techo x\n\tEOT\nCOPY <<A <<"B" /dst/\none\nA\n$two\nB\nRUN true\n',
  );
  const [r1, r2, copy, last] = df.stages[0]!.instructions;
  assert.ok(r1?.kind === 'RUN' && r2?.kind === 'RUN' && copy?.kind === 'COPY');
  assert.deepEqual(r1.heredocs, [{ name: 'EOF', chomp: false, expand: true, content: 'echo $HOME\n' }]);
  assert.equal(r2.heredocs[0]!.content, 'echo x\n');
  assert.equal(copy.dest, '/dst/');
  assert.deepEqual(
    copy.sources.map((s) => (s.kind === 'heredoc' ? [s.body.name, s.body.content, s.body.expand] : s.path)),
    [
      ['A', 'one\n', true],
      ['B', '$two\n', false],
    ],
  );
  assert.equal(last?.line, 13);
});

test('unterminated heredoc is an error at its line', () => {
  const [e] = errorsOf('FROM a\n\nRUN <<EOF\necho never closed\n');
  assert.equal(e!.line, 3);
  assert.match(e!.message, /unterminated heredoc/);
});

test('FROM with AS and --platform, ARG before FROM', () => {
  const df = parse('ARG BASE=busybox\nFROM --platform=linux/amd64 ${BASE} AS Build\nFROM scratch\n');
  assert.equal(df.globalArgs.length, 1);
  assert.equal(df.stages[0]!.name, 'build');
  assert.equal(df.stages[0]!.from.platform, 'linux/amd64');
  assert.equal(df.stages[1]!.from.image, 'scratch');
});

test('ENV and LABEL both forms, ARG list', () => {
  const env = only('FROM a\nENV A=1 B="x y" C=a\\ b');
  assert.deepEqual(env.kind === 'ENV' && env.pairs, [
    { key: 'A', value: '1' },
    { key: 'B', value: '"x y"' },
    { key: 'C', value: 'a\\ b' },
  ]);
  const legacy = only('FROM a\nENV PATH_X some value here');
  assert.deepEqual(legacy.kind === 'ENV' && legacy.pairs, [{ key: 'PATH_X', value: 'some value here' }]);
  const arg = only('FROM a\nARG X Y=2');
  assert.deepEqual(arg.kind === 'ARG' && arg.args, [
    { name: 'X', default: undefined },
    { name: 'Y', default: '2' },
  ]);
});

test('COPY/ADD flags and RUN mounts', () => {
  const c = only('FROM a\nCOPY --from=build --chown=1:2 --chmod=0755 --link a b /dst/');
  assert.ok(c.kind === 'COPY');
  assert.deepEqual(
    [c.from, c.chown, c.chmod, c.link, c.sources.length, c.dest],
    ['build', '1:2', '0755', true, 2, '/dst/'],
  );
  const r = only('FROM a\nRUN --mount=type=cache,target=/c --network=none make');
  assert.deepEqual(r.kind === 'RUN' && [r.mounts, r.network], [['type=cache,target=/c'], 'none']);
});

test('HEALTHCHECK flags and NONE', () => {
  const h = only(
    'FROM a\nHEALTHCHECK --interval=30s --timeout=1m30s --start-period=5s --start-interval=500ms --retries=3 CMD ["curl", "x"]',
  );
  assert.ok(h.kind === 'HEALTHCHECK');
  assert.deepEqual(
    [h.interval, h.timeout, h.startPeriod, h.startInterval, h.retries],
    [30e9, 90e9, 5e9, 5e8, 3],
  );
  assert.deepEqual(h.test, { form: 'exec', argv: ['curl', 'x'] });
  const n = only('FROM a\nHEALTHCHECK NONE');
  assert.equal(n.kind === 'HEALTHCHECK' && n.test, 'NONE');
  assert.match(errorsOf('FROM a\nHEALTHCHECK --interval=10us CMD x')[0]!.message, /less than 1ms/);
});

test('ONBUILD stores the trigger as written and refuses nested ONBUILD', () => {
  const o = only('FROM a\nONBUILD run echo hi');
  assert.ok(o.kind === 'ONBUILD');
  assert.equal(o.expression, 'run echo hi');
  assert.equal(o.trigger.kind, 'RUN');
  assert.match(errorsOf('FROM a\nONBUILD ONBUILD RUN x')[0]!.message, /ONBUILD isn't allowed/);
  const t = parseOnbuildTriggers(['COPY . /app', 'RUN make'], 'base:1');
  assert.deepEqual(t.ok && t.value.map((i) => i.kind), ['COPY', 'RUN']);
  const bad = parseOnbuildTriggers(['FROM x'], 'base:1');
  assert.equal(bad.ok, false);
});

test('bad input: every error carries its line and a clear message', () => {
  const errs = errorsOf(
    'FROM a\nRUN ok\nFROOM b\nCOPY onlyone\nRUN --bogus=1 x\nSHELL /bin/bash\nRUN --mount=type=cache,id=../..,target=/x y\nEXPOSE\n',
  );
  assert.deepEqual(
    errs.map((e) => e.line),
    [3, 4, 5, 6, 7, 8],
  );
  assert.match(errs[0]!.message, /unknown instruction: FROOM/);
  assert.match(errs[1]!.message, /at least two arguments/);
  assert.match(errs[2]!.message, /unknown flag --bogus/);
  assert.match(errs[3]!.message, /JSON form/);
  assert.match(errs[4]!.message, /must not contain "\.\."/);
  assert.match(errs[5]!.message, /requires at least one argument/);
  assert.match(errorsOf('RUN x\nFROM a')[0]!.message, /before the first FROM/);
  assert.match(errorsOf('# only a comment\n')[0]!.message, /no FROM/);
  assert.match(errorsOf('FROM a AS x\nFROM b AS X')[0]!.message, /duplicate stage name/);
  assert.match(errorsOf('FROM a AS 1x')[0]!.message, /invalid stage name/);
  assert.match(errorsOf('FROM a\nRUN --network=host x')[0]!.message, /not supported/);
});

test('random text never throws', () => {
  const alphabet = [
    'FROM a\n',
    'RUN ',
    '<<EOF',
    '\n',
    'EOF',
    '\\',
    '`',
    '"',
    "'",
    '${',
    '}',
    '[',
    ']',
    '--mount=',
    ',',
    '=',
    ' ',
  ];
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let n = 0; n < 500; n++) {
    let s = '';
    for (let k = 0; k < 30; k++) s += alphabet[rnd() % alphabet.length];
    const r = parseDockerfile(s);
    assert.ok(typeof r.ok === 'boolean');
  }
});
