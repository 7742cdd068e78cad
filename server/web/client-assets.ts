import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../lib/package-root.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, Promise<string>>();

/** The scripts served under /assets/: the pages' modules (server/web/client/) and ansi_up. */
export const CLIENT_SCRIPTS = [
  'job.js',
  'log-layout.js',
  'log-lines.js',
  'log-search.js',
  'live.js',
  'ansi_up.js',
] as const;

/** The modules job.js imports (preloaded by the job page). */
export const JOB_MODULES = ['log-layout.js', 'log-lines.js', 'log-search.js', 'ansi_up.js'] as const;

/**
 * A browser script by its served name: one of server/web/client/ (plain ES modules, no build
 * step) or `ansi_up.js` (the ansi_up package's ES module, as published). Read once, then cached.
 */
export function clientScript(name: (typeof CLIENT_SCRIPTS)[number]): Promise<string> {
  let script = cache.get(name);
  if (!script) {
    const path =
      name === 'ansi_up.js'
        ? require.resolve('ansi_up')
        : join(packageRoot(), 'server', 'web', 'client', name);
    script = readFile(path, 'utf8');
    cache.set(name, script);
  }
  return script;
}
