/**
 * The pipeline language: parse (YAML → Pipeline with positions), plan (Pipeline + event →
 * RunPlan), spec (the JobSpec a runner executes). Pure; disk reading lives in load.ts.
 */
export * from './parse/index.js';
export * from './plan/index.js';
export type { Pipeline } from './schema/pipeline.js';
export * from './spec/index.js';
