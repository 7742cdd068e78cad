import type { z } from 'zod';
import { KNOWN_KEYS_MARK } from '../schema/common.js';
import type { PipelineError } from './errors.js';
import type { Path, SourceMap } from './source.js';
import { closest, didYouMean } from './suggest.js';

/**
 * Turns zod issues about the raw YAML value into positioned, human messages: unknown keys
 * with a suggestion, wrong types with what was found, missing keys at their mapping, and the
 * relevant branch of a union (a mapping given for "name or inline service" reports the
 * mapping's own problems).
 */
export function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  source: SourceMap,
): PipelineError[] {
  const out: PipelineError[] = [];
  const explained = new Set<string>();
  const missing = new Map<PipelineError, string>();
  const push = (path: Path, part: 'key' | 'value', message: string) =>
    out.push({ file: source.file, ...source.locate(path, part), message });
  const visit = (issue: z.core.$ZodIssue, prefix: Path) => {
    const path = [...prefix, ...issue.path];
    const found = lookup(raw, path);
    const label = labelOf(path.slice(0, found.depth));
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known: string[] = issue.message.startsWith(KNOWN_KEYS_MARK)
          ? JSON.parse(issue.message.slice(KNOWN_KEYS_MARK.length))
          : [];
        for (const key of issue.keys) {
          const hint =
            didYouMean(key, known) || (known.length ? ` (expected one of: ${known.join(', ')})` : '');
          const meant = closest(key, known);
          if (meant !== undefined) explained.add(JSON.stringify([...path, meant]));
          push([...path, key], 'key', `unknown key "${key}"${hint}`);
        }
        return;
      }
      case 'invalid_union': {
        const value = found.value;
        const isMapping = value !== null && typeof value === 'object' && !Array.isArray(value);
        const branch = isMapping
          ? issue.errors.find((errs) => errs.some((e) => e.path.length > 0 || e.code !== 'invalid_type'))
          : undefined;
        if (branch) for (const e of branch) visit(e, path);
        else push(path, 'value', `${label}: ${issue.message}, got ${describe(value)}`);
        return;
      }
      case 'invalid_key': {
        const inner = issue.issues[0]?.message ?? issue.message;
        push(path, 'key', inner);
        return;
      }
      case 'invalid_type': {
        if (found.missing) {
          const parent = path.slice(0, -1);
          const where = parent.length > 0 ? ` in ${labelOf(parent)}` : '';
          push(parent, 'value', `missing required key "${String(path[path.length - 1])}"${where}`);
          missing.set(out[out.length - 1] as PipelineError, JSON.stringify(path));
          return;
        }
        const expected = issue.message.startsWith('Invalid input')
          ? `expected ${issue.expected}`
          : issue.message;
        push(path, 'value', `${label}: ${expected}, got ${describe(found.value)}`);
        return;
      }
      case 'invalid_value': {
        const word = typeof found.value === 'string' ? found.value : '';
        const hint = word ? didYouMean(word, issue.values.map(String)) : '';
        push(path, 'value', `${label}: ${issue.message}, got ${describe(found.value)}${hint}`);
        return;
      }
      default:
        push(path, 'value', `${label}: ${issue.message}`);
    }
  };
  for (const issue of issues) visit(issue, []);
  // A typo already explains a missing key: `stpes` (did you mean "steps"?) needs no second error.
  return out.filter((e) => !explained.has(missing.get(e) ?? ''));
}

/** The value at `path` in `raw`, and whether the path ends at an absent key of a mapping. */
function lookup(raw: unknown, path: Path): { value: unknown; missing: boolean; depth: number } {
  let value = raw;
  for (const [depth, seg] of path.entries()) {
    if (Array.isArray(value) && typeof seg === 'number') {
      if (seg >= value.length) return { value: undefined, missing: false, depth };
      value = value[seg];
    } else if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof seg === 'string'
    ) {
      if (!Object.hasOwn(value, seg)) return { value: undefined, missing: true, depth: depth + 1 };
      value = (value as Record<PropertyKey, unknown>)[seg];
    } else {
      return { value, missing: false, depth };
    }
  }
  return { value, missing: false, depth: path.length };
}

/** `retry`, `needs[1]`, `steps[0]` — the last key of a path, for the start of a message. */
function labelOf(path: Path): string {
  let label = '';
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg === 'number') label = `[${seg}]${label}`;
    else return `${String(seg)}${label}`;
  }
  return label || 'file';
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${String(value)}`;
}
