/** Planning: Pipeline + event → RunPlan with one JobSpec per job. See plan.ts. */
export { describeEvent, makeEvent, type PlanEvent, PlanEventSchema } from './event.js';
export { formatPlan } from './format.js';
export { type ParsedPipeline, type PlannedJob, type PlanResult, planRun, type RunPlan } from './plan.js';
export { type JobOutcome, nextJobs, type Progress } from './progress.js';
