import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { commands, commandsFor } from './index.js';

test('each command table entry names exactly the top-level commands its module registers', async () => {
  const seen = new Set<string>();
  for (const entry of commands) {
    const program = new Command('slipway');
    (await entry.load()).register(program);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      [...entry.names],
    );
    for (const n of entry.names) {
      assert.ok(!seen.has(n), `${n} is listed twice`);
      seen.add(n);
    }
  }
});

test('a named command loads alone; no name, an option or an unknown name loads every command', () => {
  const argv = (...rest: string[]) => ['node', 'slipway', ...rest];
  assert.deepEqual(
    commandsFor(argv('logout', 'r.example')).map((c) => c.names),
    [['login', 'logout']],
  );
  assert.deepEqual(
    commandsFor(argv('build', '-t', 'x', '.')).map((c) => c.names),
    [['build']],
  );
  for (const a of [argv(), argv('--help'), argv('help', 'build'), argv('biuld')])
    assert.equal(commandsFor(a).length, commands.length);
});
