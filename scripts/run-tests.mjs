#!/usr/bin/env node
// Runs every *.test.ts under the project's source folders with node's test runner (via tsx).
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
const concurrency = process.env.SLIPWAY_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
