#!/usr/bin/env node
// Runs every *.test.ts under the project's source folders with node's test runner (via tsx),
// SLIPWAY_TEST_CONCURRENCY files at once (default 2); then the *.solo.test.ts files one at a time,
// alone on the machine (tests whose figures are time targets: other tests' load would skew them).
// Usage: node scripts/run-tests.mjs [path-prefix ...]   e.g. `npm run test:unit -- pipelines runner/oci`
import { spawn } from 'node:child_process';
import { glob } from 'tinyglobby';

const roots = ['pipelines', 'runner', 'server', 'cli', 'lib', 'test'];
const filters = process.argv.slice(2);
const all = await glob(
  roots.map((r) => `${r}/**/*.test.ts`),
  { ignore: ['**/node_modules/**', '**/testdata/**'] },
);
const files = all.filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p))).sort();
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || roots.join(', ')}`);
  process.exit(1);
}
const solo = files.filter((f) => f.endsWith('.solo.test.ts'));
const shared = files.filter((f) => !solo.includes(f));

/** Runs `list` with node's test runner, `concurrency` files at once; resolves with its exit code. */
function run(list, concurrency) {
  if (list.length === 0) return Promise.resolve(0);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list],
    { stdio: 'inherit' },
  );
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const first = await run(shared, process.env.SLIPWAY_TEST_CONCURRENCY ?? '2');
const second = await run(solo, '1');
process.exit(first || second);
