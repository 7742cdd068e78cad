#!/usr/bin/env node
// The `slipway` command. Runs the esbuild bundle in dist/ when it is newer than every project
// source file it was made from (dist/sources.json, written by scripts/bundle.mjs, which `npm ci`
// runs through the `prepare` script), else the TypeScript sources via tsx. The check stats only
// those files (about 300), not the whole tree: a source the bundle does not hold (a test, a new
// file nothing bundled imports yet) cannot make it stale, and importing a new file means editing
// one that is listed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

function bundleIsFresh() {
  if (process.env.SLIPWAY_FROM_SOURCE) return false;
  let sources;
  let built;
  try {
    sources = JSON.parse(readFileSync(join(dist, 'sources.json'), 'utf8'));
    built = statSync(join(dist, 'slipway.js')).mtimeMs;
  } catch {
    return false;
  }
  if (!Array.isArray(sources) || sources.length === 0) return false;
  for (const source of sources) {
    // A listed file that is gone (renamed, deleted) makes the bundle stale too.
    const st = statSync(join(root, source), { throwIfNoEntry: false });
    if (!st || st.mtimeMs > built) return false;
  }
  return true;
}

if (bundleIsFresh()) {
  await import(join(dist, 'slipway.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
