import picomatch from 'picomatch';

/**
 * Glob syntax check for branch, tag and path filters (picomatch syntax). A glob must be
 * non-empty, relative (no leading `/`), free of `..` segments and have balanced brackets.
 * Pure; never throws.
 */
export function globProblem(glob: string): string | undefined {
  if (glob.trim() === '') return 'glob is empty';
  if (glob.startsWith('/')) return `glob "${glob}" must be relative (no leading "/")`;
  if (glob.split('/').includes('..')) return `glob "${glob}" must not contain ".." segments`;
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
  } catch {
    return `invalid glob "${glob}": unbalanced brackets, braces or parentheses`;
  }
  return undefined;
}

/** Whether `value` matches any of `globs` (dotfiles included). */
export function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some((g) => picomatch.isMatch(value, g, { dot: true }));
}
