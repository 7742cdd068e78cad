import type { PipelineError } from './errors.js';
import { asMap, mapEntries, strings } from './raw.js';
import type { SourceMap } from './source.js';
import { didYouMean } from './suggest.js';

/**
 * Cross-references between jobs: every `needs` entry names a job, and the needs graph has no
 * cycle. Each cycle is reported once, as `a → b → a`, at the `needs` entry that closes it.
 */
export function checkNeeds(raw: unknown, source: SourceMap): PipelineError[] {
  const errors: PipelineError[] = [];
  const jobs = mapEntries(asMap(raw)?.jobs);
  const names = jobs.map(([n]) => n);
  const edges = new Map<string, { to: string; at: (string | number)[] }[]>();
  for (const [job, body] of jobs) {
    const list: { to: string; at: (string | number)[] }[] = [];
    for (const need of strings(asMap(body)?.needs)) {
      const at = ['jobs', job, 'needs', ...need.at];
      if (!names.includes(need.value)) {
        const hint = didYouMean(
          need.value,
          names.filter((n) => n !== job),
        );
        errors.push({
          file: source.file,
          ...source.locate(at),
          message: `job "${job}" needs "${need.value}", which is not a job in this pipeline${hint}`,
        });
      } else list.push({ to: need.value, at });
    }
    edges.set(job, list);
  }
  const reported = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (job: string) => {
    state.set(job, 'visiting');
    stack.push(job);
    for (const edge of edges.get(job) ?? []) {
      if (state.get(edge.to) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        const key = [...cycle.slice(0, -1)].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          errors.push({
            file: source.file,
            ...source.locate(edge.at),
            message: `dependency cycle: ${cycle.join(' → ')}`,
          });
        }
      } else if (!state.has(edge.to)) visit(edge.to);
    }
    stack.pop();
    state.set(job, 'done');
  };
  for (const name of names) if (!state.has(name)) visit(name);
  return errors;
}
