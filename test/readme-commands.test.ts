import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { slipwaySync } from './helpers/slipway-cli.js';

/**
 * `slipway --help` and `--version` through the real entry point: help lists exactly the
 * commands of the README's command table (each with a description), the version is
 * package.json's.
 */
const repo = new URL('../', import.meta.url).pathname;

const slipway = (...args: string[]) => slipwaySync(args);

/** Command names in the README's "## Commands" table: every `slipway <name>` in its rows. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = /^## Commands\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| `slipway '));
  const names = rows.flatMap((row) => [...row.matchAll(/`slipway ([a-z][a-z-]*)/g)].map((m) => m[1] ?? ''));
  return [...new Set(names)].sort();
}

test('slipway --help lists every command of the README table, each with a description', () => {
  const expected = readmeCommands();
  assert.ok(expected.length >= 8, `README command table lists only: ${expected.join(', ')}`);
  const r = slipway('--help');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: slipway \[options\] \[command\]\n/);
  const commands = r.stdout.slice(r.stdout.indexOf('\nCommands:\n'));
  const listed = [...commands.matchAll(/^ {2}([a-z][a-z-]*)\b.*? {2,}\S/gm)].map((m) => m[1] ?? '');
  assert.deepEqual(listed.filter((c) => c !== 'help').sort(), expected);
});

test('slipway --version and -V print the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  assert.match(pkg.version, /^\d+\.\d+\.\d+/);
  for (const flag of ['--version', '-V']) {
    const r = slipway(flag);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${pkg.version}\n`);
  }
});
