import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../lib/package-root.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, Promise<string>>();

/**
 * A browser script by its served name: `job.js` (server/web/client/, plain ES module, no build
 * step) or `ansi_up.js` (the ansi_up package's ES module, as published). Read once, then cached.
 */
export function clientScript(name: 'job.js' | 'ansi_up.js'): Promise<string> {
  let script = cache.get(name);
  if (!script) {
    const path =
      name === 'ansi_up.js'
        ? require.resolve('ansi_up')
        : join(packageRoot(), 'server', 'web', 'client', 'job.js');
    script = readFile(path, 'utf8');
    cache.set(name, script);
  }
  return script;
}
