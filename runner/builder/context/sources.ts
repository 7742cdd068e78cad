import { posix } from 'node:path';
import { SlipwayError } from '../../../lib/errors.js';
import type { IgnoreMatcher } from './ignore.js';
import { cleanContextPath, resolveInContext } from './scoped-path.js';
import { type ContextEntry, statEntry, walkContext } from './walk.js';

/** One COPY/ADD source after resolution, with where it lands in the image. */
export interface ResolvedSource {
  /** The source as written (after substitution). */
  source: string;
  /** The context-relative root of this source ('' = the context root). */
  rel: string;
  root: ContextEntry | undefined;
  isDir: boolean;
  /** Files below a directory source (relative paths start with `rel/`), empty for a file. */
  entries: ContextEntry[];
  /**
   * Absolute path in the image: for a directory its contents go INTO this path; for a file
   * this is the file path, unless `destMayBeDir` and the executor finds a directory there
   * (Docker then copies to `<dest>/<basename>`).
   */
  target: string;
  destMayBeDir: boolean;
}

const GLOB = /[*?[]/;
const err = (message: string, source: string) => new SlipwayError(message, { context: { source } });

/**
 * Resolves COPY/ADD sources in the build context with Docker's rules: paths are relative to the
 * context (a leading `/` too), `..` out of it is refused, wildcards match like Go's
 * filepath.Match, files hidden by .dockerignore do not exist, a directory source copies its
 * contents, several sources need a destination ending in `/`, a relative destination is relative
 * to WORKDIR. Symlinks on the way to a source are followed only inside the context.
 */
export async function resolveSources(
  contextDir: string,
  ignored: IgnoreMatcher,
  sources: string[],
  dest: string,
  workdir: string | undefined,
): Promise<ResolvedSource[]> {
  const destIsDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const destAbs = posix.resolve(workdir || '/', dest);
  const found: { source: string; rel: string }[] = [];
  let all: ContextEntry[] | undefined;
  let wildcard = false;
  for (const source of sources) {
    const clean = cleanContextPath(source);
    if (GLOB.test(clean)) {
      wildcard = true;
      all ??= await walkContext(contextDir, '', ignored);
      // Loaded for wildcard sources only: a build without them never needs it.
      const { default: picomatch } = await import('picomatch');
      const match = picomatch(clean, { dot: true, noglobstar: true });
      const hits = all.filter((e) => match(e.rel));
      if (hits.length === 0)
        throw err(`no source files were specified: "${source}" matches nothing in the build context`, source);
      for (const h of hits) found.push({ source, rel: h.rel });
      continue;
    }
    const real = await resolveInContext(contextDir, clean);
    if (clean !== '' && (ignored(clean) || ignored(real))) {
      throw err(`"${source}" not found in build context or excluded by .dockerignore`, source);
    }
    found.push({ source, rel: real });
  }
  if ((found.length > 1 || (wildcard && found.length > 0 && sources.length > 1)) && !destIsDir) {
    throw err(
      `when using ${sources.length > 1 ? 'COPY with more than one source' : 'a wildcard matching several files'}, the destination "${dest}" must be a directory and end with a /`,
      sources.join(' '),
    );
  }
  const out: ResolvedSource[] = [];
  for (const f of found) {
    const root = f.rel === '' ? undefined : await statEntry(contextDir, f.rel);
    if (f.rel !== '' && !root)
      throw err(`"${f.source}" not found in build context or excluded by .dockerignore`, f.source);
    const isDir = f.rel === '' || root?.type === 'dir';
    const entries = isDir ? await walkContext(contextDir, f.rel, ignored) : [];
    const target = isDir || !destIsDir ? destAbs : posix.join(destAbs, posix.basename(f.rel));
    out.push({
      source: f.source,
      rel: f.rel,
      root,
      isDir,
      entries,
      target,
      destMayBeDir: !isDir && !destIsDir,
    });
  }
  return out;
}
