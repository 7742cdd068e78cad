import { posix } from 'node:path';
import { SlipwayError } from '../../../lib/errors.js';
import type { IgnoreMatcher } from './ignore.js';
import { cleanContextPath, type LinkScope, resolveInContext } from './scoped-path.js';
import { type ContextEntry, statEntry, walkContext } from './walk.js';

/** One COPY/ADD source after resolution, with where it lands in the image. */
export interface ResolvedSource {
  /** The source as written (after substitution). */
  source: string;
  /** The context-relative root of this source ('' = the context root), symlinks followed. */
  rel: string;
  /** The name a file source gets in a destination dir: the source's own, not its link target's. */
  name: string;
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
  /**
   * One of several wildcard matches going to a destination without a trailing `/`: only an ADD
   * archive (extracted into that dir) may do so, anything else fails when it is copied.
   */
  severalToOnePath: boolean;
}

const GLOB = /[*?[]/;
const err = (message: string, source: string) => new SlipwayError(message, { context: { source } });

/**
 * Resolves COPY/ADD sources in the build context with Docker's rules: paths are relative to the
 * context (a leading `/` too), `..` out of it is refused, wildcards match like Go's
 * filepath.Match (one matching nothing copies nothing), files hidden by .dockerignore do not
 * exist, a directory source copies its contents, several source arguments need a destination
 * ending in `/`, a relative destination is relative to WORKDIR. A source that is a symlink, or
 * a wildcard match that is one, is followed: its target is copied under the source's name.
 * Symlinks are followed only inside the context (`scope` 'context'), or as in a chroot for an
 * image root (`scope` 'image', COPY --from).
 */
export async function resolveSources(
  contextDir: string,
  ignored: IgnoreMatcher,
  sources: string[],
  dest: string,
  workdir: string | undefined,
  scope: LinkScope = 'context',
): Promise<ResolvedSource[]> {
  const destIsDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const destAbs = posix.resolve(workdir || '/', dest);
  const found: { source: string; rel: string; name: string }[] = [];
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
      for (const h of all.filter((e) => match(e.rel))) {
        const rel = h.type === 'symlink' ? await resolveInContext(contextDir, h.rel, scope) : h.rel;
        // A link to a file .dockerignore hides leads nowhere: that file is not in the context.
        if (ignored(rel))
          throw err(`"${h.rel}" (matched by "${source}") leads to a file excluded by .dockerignore`, source);
        found.push({ source, rel, name: posix.basename(h.rel) });
      }
      continue;
    }
    const real = await resolveInContext(contextDir, clean, scope);
    if (clean !== '' && (ignored(clean) || ignored(real))) {
      throw err(`"${source}" not found in build context or excluded by .dockerignore`, source);
    }
    found.push({ source, rel: real, name: posix.basename(clean) });
  }
  if (sources.length > 1 && !destIsDir) {
    throw err(
      `when using COPY with more than one source, the destination "${dest}" must be a directory and end with a /`,
      sources.join(' '),
    );
  }
  const severalToOnePath = wildcard && found.length > 1 && !destIsDir;
  const out: ResolvedSource[] = [];
  for (const f of found) {
    const root = f.rel === '' ? undefined : await statEntry(contextDir, f.rel);
    if (f.rel !== '' && !root)
      throw err(`"${f.source}" not found in build context or excluded by .dockerignore`, f.source);
    const isDir = f.rel === '' || root?.type === 'dir';
    const entries = isDir ? await walkContext(contextDir, f.rel, ignored) : [];
    const target = isDir || !destIsDir ? destAbs : posix.join(destAbs, f.name);
    out.push({
      source: f.source,
      rel: f.rel,
      name: f.name,
      root,
      isDir,
      entries,
      target,
      destMayBeDir: !isDir && !destIsDir,
      severalToOnePath,
    });
  }
  return out;
}
