import type { Matrix } from '../schema/pipeline.js';

export interface MatrixCombination {
  /** axis → value, in axis order (declared axes first, then keys only `include` adds). */
  values: Record<string, string>;
  /** `node=20, os=debian` — the part of the job name in parentheses. */
  label: string;
}

/**
 * Expands a matrix like GitHub Actions does: the cross product of its axes, minus every
 * combination that matches an `exclude` entry on all of that entry's keys; then each `include`
 * entry is merged into every combination whose declared-axis values it does not contradict
 * (adding its extra keys), or, when it fits none, becomes a combination of its own.
 * Duplicates are dropped. Order is stable: axes in declaration order, values in list order,
 * new includes last. No matrix gives one combination with no values.
 */
export function expandMatrix(matrix: Matrix | undefined): MatrixCombination[] {
  if (!matrix) return [{ values: {}, label: '' }];
  const axes = Object.entries(matrix).filter(
    (e): e is [string, string[]] => e[0] !== 'include' && e[0] !== 'exclude' && Array.isArray(e[1]),
  );
  let combos: Record<string, string>[] = axes.length > 0 ? [{}] : [];
  for (const [axis, values] of axes) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [axis]: String(v) })));
  }
  const excludes = (matrix.exclude ?? []) as Record<string, string>[];
  combos = combos.filter(
    (c) => !excludes.some((ex) => Object.entries(ex).every(([k, v]) => c[k] === String(v))),
  );
  const axisNames = axes.map(([a]) => a);
  const base = combos.length;
  for (const raw of (matrix.include ?? []) as Record<string, string>[]) {
    const inc = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    const fits = (c: Record<string, string>) =>
      Object.entries(inc).every(([k, v]) => !axisNames.includes(k) || c[k] === v);
    const targets = combos.slice(0, base).filter(fits);
    if (targets.length === 0) combos.push(inc);
    for (const c of targets) Object.assign(c, inc);
  }
  const order = [...axes.map(([a]) => a)];
  for (const c of combos) for (const k of Object.keys(c)) if (!order.includes(k)) order.push(k);
  const seen = new Set<string>();
  const out: MatrixCombination[] = [];
  for (const c of combos) {
    const values = Object.fromEntries(order.filter((k) => k in c).map((k) => [k, c[k] as string]));
    const label = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    if (seen.has(label)) continue;
    seen.add(label);
    out.push({ values, label });
  }
  return out;
}

/** A runner-safe id for an expanded job: `test (node=20, os=debian)` → `test-node-20-os-debian`. */
export function jobId(job: string, combo: MatrixCombination): string {
  if (!combo.label) return job;
  const parts = Object.entries(combo.values).flat();
  return [job, ...parts.map((p) => p.replace(/[^A-Za-z0-9_.]+/g, '_'))].join('-');
}
