// An esbuild plugin for scripts/bundle.mjs: the project's `import { z } from 'zod'` gets a `z`
// holding only the members the project's code reads at run time (`z.object`, `z.string`, …),
// taken by name from zod's own modules, so esbuild leaves out the rest of zod (JSON Schema
// conversion, the compiler, ISO helpers): about half of it, which every command that opens the
// image store would otherwise load and compile at start. Which members: every `z.<name>` left in
// the project's sources once esbuild has stripped their types, that zod exports. A source that
// uses `z` any other way (passes it on, destructures it) stops the bundle with an error, as that
// would escape the count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const SOURCE_DIRS = ['cli', 'lib', 'pipelines', 'runner', 'server'];
const IMPORTS_Z = /^\s*import\s*\{\s*z\s*\}\s*from\s*["']zod["'];?\s*$/m;

function* projectSources(root, dir) {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'testdata') yield* projectSources(root, rel);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield rel;
  }
}

/** The `z.<name>` members `root`'s sources read at run time; throws on any other use of `z`. */
export async function usedMembers(root) {
  const used = new Set();
  for (const top of SOURCE_DIRS) {
    for (const rel of projectSources(root, top)) {
      const ts = readFileSync(join(root, rel), 'utf8');
      if (!/from\s*["']zod["']/.test(ts)) continue;
      const { code } = await transform(ts, { loader: 'ts', format: 'esm' });
      if (!IMPORTS_Z.test(code)) continue; // type-only imports are gone after the transform
      const body = code.replace(IMPORTS_Z, '');
      for (const m of body.matchAll(/(?<![\w$.])z\.([A-Za-z_$][\w$]*)/g)) used.add(m[1]);
      const other = /(?<![\w$.\-'"`/])z(?![\w$'"`])(?!\s*\.)/.exec(body);
      if (other)
        throw new Error(
          `${rel}: zod's z is used other than as z.<member> (near "${body.slice(Math.max(0, other.index - 30), other.index + 30)}"); scripts/zod-used-only.mjs cannot count its members`,
        );
    }
  }
  return used;
}

export function zodUsedOnly(root) {
  return {
    name: 'zod-used-only',
    setup(b) {
      let external = '';
      let contents = '';
      b.onStart(async () => {
        const entry = await b.resolve('zod', {
          kind: 'import-statement',
          resolveDir: root,
          pluginData: { real: true },
        });
        if (entry.errors.length > 0 || !readFileSync(entry.path, 'utf8').includes('./v4/classic/external.js'))
          throw new Error(`zod-used-only: zod's layout changed (${entry.path}); update the plugin`);
        external = join(dirname(entry.path), 'v4', 'classic', 'external.js');
        const exported = new Set(Object.keys(await import(pathToFileURL(external).href)));
        // Members that are types only (z.infer, z.output…) are not exported values: skipped.
        const names = [...(await usedMembers(root))].filter((n) => exported.has(n)).sort();
        contents = [
          `import { ${names.map((n) => `${n} as z_${n}`).join(', ')} } from ${JSON.stringify(external)};`,
          `export const z = { ${names.map((n) => `${n}: z_${n}`).join(', ')} };`,
        ].join('\n');
      });
      b.onResolve({ filter: /^zod$/ }, (args) =>
        args.pluginData?.real || args.importer.includes('/node_modules/')
          ? undefined
          : { path: 'zod', namespace: 'zod-used-only' },
      );
      b.onLoad({ filter: /.*/, namespace: 'zod-used-only' }, () => ({
        contents,
        resolveDir: dirname(external),
        loader: 'js',
      }));
    },
  };
}
