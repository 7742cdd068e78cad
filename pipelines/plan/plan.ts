import type { PipelineError } from '../parse/errors.js';
import { sortErrors } from '../parse/errors.js';
import type { SourceMap } from '../parse/source.js';
import type { Pipeline } from '../schema/pipeline.js';
import { type JobSpec, JobSpecSchema } from '../spec/jobspec.js';
import { triggerMismatch, whenMismatch } from './conditions.js';
import { layers } from './dag.js';
import { describeEvent, type PlanEvent } from './event.js';
import { buildJobSpec, type JobInstance } from './job-spec.js';
import { expandMatrix, jobId } from './matrix.js';

/** A job that will run: its place in the DAG and the JobSpec to queue. */
export interface PlannedJob {
  id: string;
  /** The job's key in the pipeline file (the same for every matrix expansion). */
  job: string;
  name: string;
  layer: number;
  spec: JobSpec;
}

/**
 * What a run of one pipeline for one event does. `layers` lists job ids in DAG order (a job
 * runs after every job of earlier layers it needs); `skipped` says why each job that will not
 * run was left out. When the triggers do not match, `triggered` is false and nothing runs.
 */
export interface RunPlan {
  pipeline: string;
  file: string;
  event: string;
  triggered: boolean;
  reason?: string;
  layers: string[][];
  jobs: PlannedJob[];
  skipped: { job: string; reason: string }[];
}

export type PlanResult = { ok: true; plan: RunPlan } | { ok: false; errors: PipelineError[] };

export interface ParsedPipeline {
  pipeline: Pipeline;
  name: string;
  source: SourceMap;
}

/**
 * Plans a run: triggers, plan-time `when`, matrix expansion, needs on skipped jobs (a job that
 * needs a skipped job is skipped too, unless its when.status includes `always`), DAG layers,
 * interpolation, one validated JobSpec per job. Pure and deterministic; never throws.
 */
export function planRun(parsed: ParsedPipeline, event: PlanEvent): PlanResult {
  const { pipeline: p, name, source } = parsed;
  const base = { pipeline: name, file: source.file, event: describeEvent(event) };
  const jobNames = Object.keys(p.jobs);
  const notTriggered = triggerMismatch(p.on, event);
  if (notTriggered !== undefined) {
    const skipped = jobNames.map((job) => ({ job, reason: `pipeline not triggered: ${notTriggered}` }));
    return {
      ok: true,
      plan: { ...base, triggered: false, reason: notTriggered, layers: [], jobs: [], skipped },
    };
  }
  const skipReason = new Map<string, string>();
  for (const job of jobNames) {
    const reason = whenMismatch(p.jobs[job]?.when, event);
    if (reason !== undefined) skipReason.set(job, reason);
  }
  const needsOf = new Map(jobNames.map((j) => [j, p.jobs[j]?.needs ?? []]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const job of jobNames) {
      if (skipReason.has(job)) continue;
      const always = p.jobs[job]?.when?.status?.includes('always') ?? false;
      const skippedNeed = needsOf.get(job)?.find((n) => skipReason.has(n));
      if (skippedNeed !== undefined && !always) {
        skipReason.set(job, `needs "${skippedNeed}", which is skipped`);
        changed = true;
      }
    }
  }
  const errors: PipelineError[] = [];
  const instances = new Map<string, JobInstance[]>();
  for (const job of jobNames) {
    if (skipReason.has(job)) continue;
    const combos = expandMatrix(p.jobs[job]?.matrix);
    if (combos.length === 0) {
      // The parser rejects such a matrix; never let a job (and its place in `needs`) vanish.
      errors.push({
        file: source.file,
        ...source.locate(['jobs', job, 'matrix'], 'key'),
        message: `matrix of job "${job}" has no combinations left after exclude`,
      });
      continue;
    }
    const matrixKeys = [...new Set(combos.flatMap((c) => Object.keys(c.values)))];
    instances.set(
      job,
      combos.map((combo) => ({
        job,
        id: jobId(job, combo),
        name: combo.label ? `${job} (${combo.label})` : job,
        combo,
        matrixKeys,
        needs: [],
      })),
    );
  }
  for (const [job, list] of instances) {
    const needs = (needsOf.get(job) ?? []).flatMap((n) => (instances.get(n) ?? []).map((i) => i.id));
    for (const inst of list) inst.needs = needs;
  }
  const specs = new Map<string, JobSpec>();
  for (const inst of [...instances.values()].flat()) {
    const built = buildJobSpec(p, name, inst, event, source);
    errors.push(...built.errors);
    if (built.errors.length > 0) continue;
    const checked = JobSpecSchema.safeParse(built.spec);
    if (!checked.success) {
      const first = checked.error.issues[0];
      errors.push({
        file: source.file,
        ...source.locate(['jobs', inst.job], 'key'),
        message: `job "${inst.name}" produced an invalid JobSpec: ${first?.path.join('.')}: ${first?.message}`,
      });
    } else specs.set(inst.id, checked.data);
  }
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  const order = layers(new Map([...specs].map(([id, s]) => [id, s.needs])));
  const layerOf = new Map(order.layers.flatMap((l, i) => l.map((id) => [id, i] as const)));
  const jobs = order.layers.flat().map((id) => {
    const spec = specs.get(id) as JobSpec;
    const job = [...instances.values()].flat().find((i) => i.id === id)?.job ?? id;
    return { id, job, name: spec.job.name, layer: layerOf.get(id) ?? 0, spec };
  });
  const skipped = jobNames
    .filter((j) => skipReason.has(j))
    .map((job) => ({ job, reason: skipReason.get(job) ?? '' }));
  return { ok: true, plan: { ...base, triggered: true, layers: order.layers, jobs, skipped } };
}
