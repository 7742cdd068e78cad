import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * The README's layout block is the map newcomers read first: every path it names exists, every
 * top-level folder and every runner/ module is on it, and each module it lists has its
 * public face (index.ts) and a README.
 */
const repo = new URL('../', import.meta.url).pathname;

function layoutBlock(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /<!-- layout:start -->\n```\n([\s\S]*?)```\n<!-- layout:end -->/.exec(readme)?.[1];
  assert.ok(block, 'README.md has a layout block between <!-- layout:start --> and <!-- layout:end -->');
  return block.split('\n').filter(Boolean);
}

/** Paths on the map: `runner/` at the top, then `  oci/` or `  host.ts` nested under it. */
function mappedPaths(): string[] {
  const paths: string[] = [];
  let parent = '';
  for (const line of layoutBlock()) {
    const first = line.trim().split(/\s+/)[0] ?? '';
    if (!/^[\w.-]+(\/|\.ts)$/.test(first)) continue;
    if (line.startsWith(' ')) paths.push(parent + first);
    else {
      parent = first;
      paths.push(first);
    }
  }
  return paths;
}

test('every path in the README layout exists', () => {
  const paths = mappedPaths();
  assert.ok(paths.length >= 15, `only ${paths.join(', ')}`);
  for (const p of paths)
    assert.ok(statSync(join(repo, p), { throwIfNoEntry: false }), `${p} is on the map but not in the tree`);
});

test('every top-level source folder and every runner module is in the README layout', () => {
  const paths = new Set(mappedPaths());
  const tops = readdirSync(repo, { withFileTypes: true })
    .filter(
      (e) =>
        e.isDirectory() &&
        !e.name.startsWith('.') &&
        !['node_modules', 'dist', 'test-artifacts'].includes(e.name),
    )
    .map((e) => `${e.name}/`);
  const runnerModules = readdirSync(join(repo, 'runner'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `runner/${e.name}/`);
  for (const p of [...tops, ...runnerModules])
    assert.ok(paths.has(p), `${p} is in the tree but not on the README's map`);
  for (const m of runnerModules) {
    assert.ok(
      statSync(join(repo, m, 'index.ts'), { throwIfNoEntry: false }),
      `${m} has no index.ts (public face)`,
    );
    assert.ok(statSync(join(repo, m, 'README.md'), { throwIfNoEntry: false }), `${m} has no README.md`);
  }
});
