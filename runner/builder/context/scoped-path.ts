import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SlipwayError } from '../../../lib/errors.js';

const MAX_LINKS = 40;

/** Cleans a COPY/ADD source path: `/` at the start means the context root, `..` may not climb out. */
export function cleanContextPath(source: string): string {
  const rel = posix.normalize(`/${source}`).slice(1);
  if (source.split('/').includes('..')) {
    // normalize() clamps at the root; an explicit climb out must be refused, not silently clamped.
    const climbed = posix.normalize(source.replace(/^\/+/, ''));
    if (climbed === '..' || climbed.startsWith('../')) {
      throw new SlipwayError(`COPY source "${source}" is outside the build context`, { context: { source } });
    }
  }
  return rel.replace(/\/$/, '');
}

/**
 * How symlinks are followed: in a build context one leading outside it (absolute, or `..` past
 * the root) is refused; in an image root (`COPY --from`) they resolve as in a chroot, an
 * absolute target from the root and `..` at the root staying there, as Docker does.
 */
export type LinkScope = 'context' | 'image';

/**
 * Resolves a context-relative path on the host, following symlinks in its components only
 * while they stay inside the context (like a chroot). A symlink that leads outside is refused
 * with a clear error (`scope` 'context') or kept inside `root` ('image'); nothing outside `root`
 * is ever opened. Returns the context-relative real path ('' is the root). Missing paths
 * resolve lexically (the caller reports "not found").
 */
export async function resolveInContext(
  root: string,
  rel: string,
  scope: LinkScope = 'context',
): Promise<string> {
  const todo = rel.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      if (done.length === 0 && scope === 'image') continue;
      if (done.length === 0)
        throw new SlipwayError(`path "${rel}" is outside the build context`, { context: { path: rel } });
      done.pop();
      continue;
    }
    const candidate = [...done, part];
    const st = await lstat(join(root, ...candidate)).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS)
      throw new SlipwayError(`too many symlinks resolving "${rel}"`, { context: { path: rel } });
    const target = await readlink(join(root, ...candidate));
    if (scope === 'image') {
      // Relative to the link's dir, or to the root when absolute; `..` is clamped by the loop.
      todo.unshift(
        ...(target.startsWith('/') ? [] : done),
        ...target.split('/').filter((p) => p !== '' && p !== '.'),
      );
      done.length = 0;
      continue;
    }
    if (target.startsWith('/')) {
      throw new SlipwayError(
        `symlink "${candidate.join('/')}" points outside the build context (to ${target})`,
        {
          context: { path: rel },
        },
      );
    }
    const joined = posix.normalize(posix.join(...(done.length ? done : ['.']), target));
    if (joined === '..' || joined.startsWith('../')) {
      throw new SlipwayError(
        `symlink "${candidate.join('/')}" points outside the build context (to ${target})`,
        {
          context: { path: rel },
        },
      );
    }
    todo.unshift(...joined.split('/').filter((p) => p !== '' && p !== '.'));
    done.length = 0;
  }
  return done.join('/');
}
