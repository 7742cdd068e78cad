/**
 * runner/executor — runs one JobSpec on this host: workspace, cache, services, steps in runc
 * containers, a `build:`, artifacts (see execute-job.ts for the lifecycle). Its seam is the
 * `Executor` function type: the worker and `slipway exec` depend on it, tests use a scripted
 * fake. Results and events are the wire types of pipelines/spec.
 */
export { formatSize } from './artifacts.js';
export { type BuiltRefs, builtRefs } from './built-refs.js';
export { type ExecutorEvents, jobEvents } from './events.js';
export { type ExecutorDeps, type ExecutorHost, executeJob } from './execute-job.js';
export { createExecutor, type Executor } from './executor.js';
export { runExitCode, runPlan, runPlanLocally } from './run-plan.js';
export { type CacheEntryName, JOB_CACHE_ARTIFACT, registryCache, type SharedCache } from './shared-cache.js';
export type { WorkspaceSource } from './workspace.js';
