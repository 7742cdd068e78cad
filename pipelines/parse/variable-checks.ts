import { matrixVariable, PREDEFINED_VARIABLES, scanTemplate } from '../schema/variables.js';
import type { PipelineError } from './errors.js';
import { asMap, listEntries, mapEntries, type RawMap } from './raw.js';
import type { Path, SourceMap } from './source.js';
import { didYouMean } from './suggest.js';

/**
 * Every `${NAME}` in an interpolated field (images, env values, build args and tags, cache
 * keys) must name a predefined CI variable or, inside a matrix job, one of its CI_MATRIX_*
 * variables. Top-level fields may use any CI_MATRIX_* name; the plan checks it per job.
 * Syntax problems (`${` unterminated) are reported by the schema, not here.
 */
export function checkVariables(raw: unknown, source: SourceMap): PipelineError[] {
  const errors: PipelineError[] = [];
  const check = (value: unknown, path: Path, known: readonly string[], anyMatrix: boolean) => {
    if (typeof value !== 'string') return;
    const scanned = scanTemplate(value);
    if ('problem' in scanned) return;
    for (const part of scanned.parts) {
      if (!('variable' in part)) continue;
      const name = part.variable;
      if (known.includes(name) || (anyMatrix && name.startsWith('CI_MATRIX_'))) continue;
      errors.push({
        file: source.file,
        ...source.locate(path),
        message: `unknown variable "\${${name}}"${didYouMean(name, known)} (only predefined CI_* variables are interpolated; write $\${${name}} to keep it literal)`,
      });
    }
  };
  const top = asMap(raw);
  const predefined: readonly string[] = PREDEFINED_VARIABLES;
  check(top?.image, ['image'], predefined, true);
  for (const [k, v] of mapEntries(top?.env)) check(v, ['env', k], predefined, true);
  for (const [name, svc] of mapEntries(top?.services))
    checkService(asMap(svc), ['services', name], predefined, true, check);
  for (const [job, value] of mapEntries(top?.jobs)) {
    const body = asMap(value);
    if (!body) continue;
    const at: Path = ['jobs', job];
    const known = [...predefined, ...matrixVariables(asMap(body.matrix))];
    check(body.image, [...at, 'image'], known, false);
    for (const [k, v] of mapEntries(body.env)) check(v, [...at, 'env', k], known, false);
    for (const s of listEntries(body.services)) {
      checkService(asMap(s.value), [...at, 'services', ...s.at], known, false, check);
    }
    for (const s of listEntries(body.steps)) {
      const step = asMap(s.value);
      check(step?.image, [...at, 'steps', ...s.at, 'image'], known, false);
      for (const [k, v] of mapEntries(step?.env)) check(v, [...at, 'steps', ...s.at, 'env', k], known, false);
    }
    const build = asMap(body.build);
    for (const [k, v] of mapEntries(build?.args)) check(v, [...at, 'build', 'args', k], known, false);
    for (const t of listEntries(build?.tags)) check(t.value, [...at, 'build', 'tags', ...t.at], known, false);
    const buildCache = asMap(build?.cache);
    for (const t of listEntries(buildCache?.from))
      check(t.value, [...at, 'build', 'cache', 'from', ...t.at], known, false);
    check(buildCache?.to, [...at, 'build', 'cache', 'to'], known, false);
    check(asMap(body.cache)?.key, [...at, 'cache', 'key'], known, false);
  }
  return errors;
}

type Check = (value: unknown, path: Path, known: readonly string[], anyMatrix: boolean) => void;

function checkService(
  svc: RawMap | undefined,
  at: Path,
  known: readonly string[],
  anyMatrix: boolean,
  check: Check,
) {
  if (!svc) return;
  check(svc.image, [...at, 'image'], known, anyMatrix);
  for (const [k, v] of mapEntries(svc.env)) check(v, [...at, 'env', k], known, anyMatrix);
}

/** CI_MATRIX_* names a job's matrix defines (axes and keys added by `include`). */
export function matrixVariables(matrix: RawMap | undefined): string[] {
  if (!matrix) return [];
  const keys = new Set(Object.keys(matrix).filter((k) => k !== 'include' && k !== 'exclude'));
  for (const e of listEntries(matrix.include)) for (const k of Object.keys(asMap(e.value) ?? {})) keys.add(k);
  return [...keys].map(matrixVariable);
}
