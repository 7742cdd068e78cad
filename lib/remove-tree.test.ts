import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeTree } from './remove-tree.js';

// What a container leaves (its bundle, links into the image's layers, a FIFO, an upper dir)
// goes entirely, and nothing a link points at goes with it.

function sampleTree(root: string, outside: string): void {
  mkdirSync(join(root, 'l'), { recursive: true });
  for (let i = 0; i < 3; i++) symlinkSync(outside, join(root, 'l', String(i)));
  symlinkSync(join(outside, 'keep.txt'), join(root, 'link-to-file'));
  writeFileSync(join(root, 'config.json'), '{}');
  execFileSync('mkfifo', [join(root, 'start-gate')]);
  mkdirSync(join(root, 'u', 'workspace', 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'u', 'workspace', 'a', 'b', 'f'), 'x');
  mkdirSync(join(root, 'm'));
}

test('removes a tree of dirs, files, links and FIFOs; never what a link points at', async () => {
  const base = mkdtempSync(join(tmpdir(), 'slipway-rmtree-'));
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'kept');
  for (const budget of [256, 3, 0]) {
    const root = join(base, `c${budget}`);
    sampleTree(root, outside);
    await removeTree(root, budget);
    assert.equal(existsSync(root), false, `budget ${budget}: the tree is gone`);
  }
  assert.deepEqual(readdirSync(outside), ['keep.txt']);
  await removeTree(join(base, 'never-made')); // a missing path is fine
  const file = join(base, 'plain');
  writeFileSync(file, 'x');
  await removeTree(file);
  assert.equal(existsSync(file), false, 'a plain file is removed too');
});

test('a tree past the budget is removed whole', async () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-rmtree-big-'));
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 50; f++) writeFileSync(join(root, `d${d}`, `f${f}`), '');
  }
  await removeTree(root, 100);
  assert.equal(existsSync(root), false);
});
