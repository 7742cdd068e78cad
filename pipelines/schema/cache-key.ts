/**
 * Cache key templates: literal text, `${VAR}` references (resolved at plan time) and
 * `{{ hashFiles "glob" ... }}` blocks, which the runner replaces with a hash of the matching
 * workspace files (it is the only function). Pure; never throws.
 */
const BLOCK = /\{\{(.*?)\}\}/g;
const HASH_FILES = /^\s*hashFiles((?:\s+"[^"]+")+)\s*$/;

/** The globs named by every `hashFiles` block, or a problem describing the first bad block. */
export function cacheKeyHashFiles(key: string): { globs: string[] } | { problem: string } {
  const globs: string[] = [];
  const rest = key.replace(BLOCK, '');
  if (rest.includes('{{') || rest.includes('}}'))
    return { problem: `unbalanced "{{" "}}" in cache key "${key}"` };
  for (const m of key.matchAll(BLOCK)) {
    const inner = m[1] ?? '';
    const call = HASH_FILES.exec(inner);
    if (!call) {
      return {
        problem: `unknown cache key function "{{${inner}}}": expected {{ hashFiles "path/or/glob" }}`,
      };
    }
    for (const arg of (call[1] ?? '').matchAll(/"([^"]+)"/g)) globs.push(arg[1] ?? '');
  }
  return { globs };
}
