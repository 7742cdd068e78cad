#!/usr/bin/env node
// Bundles the CLI (cli/main.ts, the project code and its pure-JS npm dependencies) into dist/
// with esbuild, so `slipway` starts without compiling TypeScript or resolving hundreds of
// modules (about 0.1 s saved per command). Native addons stay external. Runs on `npm install`
// (the `prepare` script); bin/slipway.mjs falls back to the TypeScript sources through tsx
// whenever dist/ is missing or older than a source file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names change between builds: start from an empty dist/.
rmSync(join(root, 'dist'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { slipway: 'cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons, the queue stack (not used by the CLI yet) and tar-stream (whose PAX coding
  // runner/oci/layer/pax.ts patches on the node_modules copy) load from node_modules.
  external: ['fs-xattr', 'msgpackr-extract', 'bullmq', 'ioredis', 'tar-stream'],
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: {
    js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  minify: true,
  logLevel: 'warning',
});
