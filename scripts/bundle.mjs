#!/usr/bin/env node
// Bundles the CLI (cli/main.ts, the project code and its pure-JS npm dependencies) into dist/
// with esbuild, so `slipway` starts without compiling TypeScript or resolving hundreds of
// modules (about 0.1 s saved per command). Native addons stay external. Runs on `npm install`
// (the `prepare` script); bin/slipway.mjs falls back to the TypeScript sources through tsx
// whenever dist/ is missing or older than one of the project's source files it was made from,
// which dist/sources.json lists (written last: a bundle without it counts as stale).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { zodUsedOnly } from './zod-used-only.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names change between builds: start from an empty dist/.
rmSync(join(root, 'dist'), { recursive: true, force: true });

// zod-used-only.mjs trims zod to the members the project reads (about half of it goes).

/**
 * zod's `locales` namespace (every language's messages, about a third of the bundle) only
 * serves `z.locales.xx()` calls, which Slipway never makes; its default English messages come
 * from locales/en.js directly and stay. The namespace keeps just `en`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.resolveDir.includes('/node_modules/zod/')
        ? { path: join(args.resolveDir, '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

const result = await build({
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
  plugins: [zodEnglishOnly, zodUsedOnly(root)],
  sourcemap: 'linked',
  minify: true,
  metafile: true,
  logLevel: 'warning',
});

// The project's own inputs (npm dependencies change only through npm, which re-runs this).
// Plugins' virtual modules (`namespace:path`) are no files: bin/slipway.mjs would find them missing.
const sources = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes('node_modules/') && !p.startsWith('..') && !/^[\w-]+:/.test(p))
  .sort();
for (const p of sources) if (!existsSync(join(root, p))) throw new Error(`bundle input ${p} is no file`);
writeFileSync(join(root, 'dist', 'sources.json'), `${JSON.stringify(sources)}\n`);
