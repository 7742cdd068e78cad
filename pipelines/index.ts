/**
 * The pipeline language: parse (YAML → Pipeline with positions), plan (Pipeline + event →
 * RunPlan), spec (the JobSpec a runner executes), progress (what runs next). Pure, except
 * loadPipelines (load.ts), which reads the pipeline files of a repository.
 */

export { type LoadedPipeline, loadPipelines, MAX_PIPELINE_BYTES } from './load.js';
export * from './parse/index.js';
export * from './plan/index.js';
export { DURATION_HINT, parseDuration } from './schema/duration.js';
export type { Pipeline } from './schema/pipeline.js';
export {
  cpusProblem,
  diskLimit,
  memoryLimit,
  parseSize,
  pidsProblem,
  SIZE_HINT,
} from './schema/resources.js';
export * from './spec/index.js';
