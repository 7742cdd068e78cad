import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

/**
 * Keeps the README's pipeline reference honest: every `$ slipway …` line of a ```console block
 * between the pipeline-reference markers is run through the real CLI (node bin/slipway.mjs, in
 * the repository root) and its output — stdout and stderr as a terminal shows them, interleaved
 * — must be exactly the lines shown under it. A following `$ echo $?` gives the expected exit
 * code; without one the command must succeed (exit 0).
 */
const repo = new URL('../', import.meta.url).pathname;
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const START = '<!-- pipeline-reference:start -->';
const END = '<!-- pipeline-reference:end -->';

interface Example {
  line: number;
  command: string;
  args: string[];
  output: string[];
  code: number;
}

/** Splits a command line into words: plain words and '…' / "…" quoted ones; anything else is refused. */
function words(command: string): string[] {
  const token = /\s*(?:'([^']*)'|"([^"\\$`]*)"|([^\s'"\\$`|&;<>()*?]+))/y;
  const out: string[] = [];
  while (token.lastIndex < command.trimEnd().length) {
    const start = token.lastIndex;
    const m = token.exec(command);
    if (!m) throw new Error(`unsupported shell syntax at "${command.slice(start)}" in \`${command}\``);
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return out;
}

function examples(): Example[] {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  assert.ok(from >= 0 && to > from, `README.md needs ${START} … ${END} around the pipeline reference`);
  const lines = readme.split('\n');
  const first = readme.slice(0, from).split('\n').length;
  const last = readme.slice(0, to).split('\n').length;
  const found: Example[] = [];
  let inConsole = false;
  let current: Example | undefined;
  let exitCodeFor: Example | undefined;
  for (let n = first; n <= last; n++) {
    const text = lines[n - 1] ?? '';
    if (!inConsole) {
      inConsole = text.trim() === '```console';
      continue;
    }
    if (text.trim() === '```') {
      inConsole = false;
      current = exitCodeFor = undefined;
    } else if (text === '$ echo $?') {
      assert.ok(current, `README.md:${n}: "$ echo $?" must follow a slipway command`);
      exitCodeFor = current;
      current = undefined;
    } else if (text.startsWith('$ ')) {
      const command = text.slice(2);
      const args = words(command);
      assert.equal(args[0], 'slipway', `README.md:${n}: only slipway commands can be checked: ${text}`);
      current = { line: n, command, args: args.slice(1), output: [], code: 0 };
      exitCodeFor = undefined;
      found.push(current);
    } else if (exitCodeFor) {
      assert.match(text, /^\d+$/, `README.md:${n}: expected the exit code after "$ echo $?"`);
      exitCodeFor.code = Number(text);
      exitCodeFor = undefined;
    } else {
      assert.ok(current, `README.md:${n}: output with no command before it in a console block`);
      current.output.push(text);
    }
  }
  return found;
}

const outDir = mkdtempSync(join(tmpdir(), 'slipway-readme-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

/** Runs the CLI with stdout and stderr on one file, so their order is what a terminal shows. */
function slipway(args: string[], name: string): { output: string; code: number | null } {
  const file = join(outDir, name);
  const fd = openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, ['bin/slipway.mjs', ...args], {
      cwd: repo,
      stdio: ['ignore', fd, fd],
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    return { output: readFileSync(file, 'utf8'), code: r.status };
  } finally {
    closeSync(fd);
  }
}

const all = examples();

test('the pipeline reference shows slipway lint and plan, with a failing lint and its exit code', () => {
  const shown = all.map((e) => e.args[0]);
  assert.ok(shown.includes('lint') && shown.includes('plan'), `commands shown: ${shown.join(', ')}`);
  assert.ok(
    all.some((e) => e.code !== 0),
    'expected an example with "$ echo $?" showing a non-zero exit',
  );
});

for (const [i, example] of all.entries()) {
  test(`README.md:${example.line}: $ ${example.command}`, () => {
    const r = slipway(example.args, `example-${i}`);
    const expected = example.output.length > 0 ? `${example.output.join('\n')}\n` : '';
    assert.equal(r.output, expected, `output of \`${example.command}\` differs from README.md`);
    assert.equal(r.code, example.code, `exit code of \`${example.command}\``);
  });
}
