import { basename, dirname, join } from 'node:path';
import ignoreModule, { type Ignore } from '@balena/dockerignore';
import { readRegularFile } from '../../../lib/regular-file.js';

// The package is CommonJS (`module.exports = factory`) but its types declare a default export.
type Factory = (opts?: { ignorecase?: boolean }) => Ignore;
const createIgnore = ((ignoreModule as unknown as { default?: Factory }).default ??
  (ignoreModule as unknown as Factory)) as Factory;

/** True when a context-relative path (posix, no leading `/`) is excluded by .dockerignore. */
export type IgnoreMatcher = (rel: string) => boolean;

const MAX_IGNORE_BYTES = 1024 * 1024;

/** Builds a matcher from .dockerignore text (Docker's rules, `!` exceptions, via @balena/dockerignore). */
export function ignoreMatcher(text: string): IgnoreMatcher {
  const ig = createIgnore({ ignorecase: false }).add(text.split(/\r?\n/));
  return (rel) => rel !== '' && ig.ignores(rel);
}

/**
 * Loads the context's ignore file: `<Dockerfile name>.dockerignore` next to the Dockerfile
 * (BuildKit's per-Dockerfile override) when present, else `.dockerignore` at the context root.
 * A missing file ignores nothing; one that is a symlink, FIFO or device is refused unread.
 */
export async function loadIgnore(contextDir: string, dockerfilePath?: string): Promise<IgnoreMatcher> {
  const candidates = dockerfilePath
    ? [
        join(dirname(dockerfilePath), `${basename(dockerfilePath)}.dockerignore`),
        join(contextDir, '.dockerignore'),
      ]
    : [join(contextDir, '.dockerignore')];
  for (const file of candidates) {
    try {
      const text = await readRegularFile(file, '.dockerignore', MAX_IGNORE_BYTES);
      return ignoreMatcher(text.toString('utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return () => false;
}
