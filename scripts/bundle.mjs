#!/usr/bin/env node
// Bundles the CLI (cli/main.ts and everything it imports from the project) into dist/ with
// esbuild, so `slipway` starts without compiling TypeScript. npm packages stay external.
// Runs on `npm ci` / `npm install` (the `prepare` script); bin/slipway.mjs falls back to the
// TypeScript sources through tsx whenever dist/ is missing or older than a source file.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { slipway: 'cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
