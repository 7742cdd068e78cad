import { expandMatrix } from '../plan/matrix.js';
import { MatrixSchema } from '../schema/parts.js';
import type { PipelineError } from './errors.js';
import { asMap, listEntries, mapEntries, type RawMap } from './raw.js';
import type { Path, SourceMap } from './source.js';
import { closest, didYouMean } from './suggest.js';

/** Largest number of jobs one matrix may expand into. */
export const MAX_MATRIX_JOBS = 256;

/**
 * Per-job cross-checks: services are defined, step names are unique, every step has an image
 * to run in, the job has something to do, a pushed build has tags, matrix include/exclude use
 * known axes, the matrix stays within MAX_MATRIX_JOBS and `exclude` leaves at least one
 * combination.
 */
export function checkJobs(raw: unknown, source: SourceMap): PipelineError[] {
  const errors: PipelineError[] = [];
  const err = (path: Path, message: string, part: 'key' | 'value' = 'value') =>
    errors.push({ file: source.file, ...source.locate(path, part), message });
  const top = asMap(raw);
  const serviceNames = mapEntries(top?.services).map(([n]) => n);
  const pipelineImage = typeof top?.image === 'string';
  for (const [job, value] of mapEntries(top?.jobs)) {
    const body = asMap(value);
    if (!body) continue;
    const at: Path = ['jobs', job];
    const steps = listEntries(body.steps).filter((s) => asMap(s.value));
    const typo = Object.keys(body).some(
      (k) => k !== 'steps' && k !== 'build' && closest(k, ['steps', 'build']),
    );
    if (body.steps === undefined && body.build === undefined && !typo) {
      err(at, `job "${job}" has nothing to do: add "steps" or "build"`, 'key');
    }
    checkServices(job, body, serviceNames, err);
    const seen = new Map<string, number>();
    for (const step of steps) {
      const s = asMap(step.value)!;
      const stepAt = [...at, 'steps', ...step.at];
      if (typeof s.name === 'string') {
        if (seen.has(s.name)) {
          err(
            [...stepAt, 'name'],
            `duplicate step name "${s.name}" in job "${job}" (first used on line ${seen.get(s.name)})`,
          );
        } else seen.set(s.name, source.locate([...stepAt, 'name']).line);
      }
      if (s.image === undefined && body.image === undefined && !pipelineImage) {
        const label = typeof s.name === 'string' ? `step "${s.name}"` : `step ${(step.at[0] ?? 0) + 1}`;
        err(
          stepAt,
          `${label} of job "${job}" has no image: set "image" on the step, the job or the pipeline`,
        );
      }
    }
    const build = asMap(body.build);
    if (
      build?.push === true &&
      (build.tags === undefined || (Array.isArray(build.tags) && build.tags.length === 0))
    ) {
      err([...at, 'build', 'push'], `build.push is true but no "tags" say where to push`);
    }
    checkMatrix(job, asMap(body.matrix), [...at, 'matrix'], err);
  }
  return errors;
}

function checkServices(job: string, body: RawMap, defined: string[], err: (p: Path, m: string) => void) {
  const used = new Set<string>();
  for (const entry of listEntries(body.services)) {
    const path = ['jobs', job, 'services', ...entry.at];
    const name = typeof entry.value === 'string' ? entry.value : asMap(entry.value)?.name;
    if (typeof entry.value === 'string' && !defined.includes(entry.value)) {
      err(
        path,
        `service "${entry.value}" is not defined in the top-level "services"${didYouMean(entry.value, defined)}`,
      );
    }
    if (typeof name === 'string') {
      if (used.has(name)) err(path, `service "${name}" is used twice in job "${job}"`);
      used.add(name);
    }
  }
}

function checkMatrix(
  job: string,
  matrix: RawMap | undefined,
  at: Path,
  err: (p: Path, m: string, part?: 'key' | 'value') => void,
) {
  if (!matrix) return;
  const axes = Object.keys(matrix).filter((k) => k !== 'include' && k !== 'exclude');
  for (const list of ['include', 'exclude'] as const) {
    for (const entry of listEntries(matrix[list])) {
      for (const key of Object.keys(asMap(entry.value) ?? {})) {
        if (list === 'exclude' && !axes.includes(key)) {
          err(
            [...at, list, ...entry.at, key],
            `matrix exclude names unknown axis "${key}"${didYouMean(key, axes)}`,
          );
        }
      }
    }
  }
  if (axes.length === 0 && listEntries(matrix.include).length === 0) {
    err(at, 'matrix has no axes: add at least one axis, e.g. "node: [18, 20]"');
    return;
  }
  const count = axes.reduce(
    (n, a) => n * (Array.isArray(matrix[a]) ? (matrix[a] as unknown[]).length : 1),
    1,
  );
  if (count > MAX_MATRIX_JOBS) {
    err(at, `matrix expands into ${count} jobs; the limit is ${MAX_MATRIX_JOBS}`);
    return;
  }
  // Only a well-formed matrix is expanded; the schema reports the problems of the others.
  const parsed = MatrixSchema.safeParse(matrix);
  if (parsed.success && expandMatrix(parsed.data).length === 0) {
    err(
      at,
      `matrix of job "${job}" has no combinations left after exclude: remove an "exclude" entry or add an "include"`,
      'key',
    );
  }
}
