import { z } from 'zod';
import { StoredArtifactsSchema } from './job-artifacts.js';
import { parseVersioned } from './versioned.js';

/**
 * JobResult: how a job ended, as a runner reports it to the server (over Redis, as JSON) and as
 * `slipway exec` prints it. Validate with parseJobResult wherever one is received.
 *
 * Versioning: `version` is bumped on any incompatible change; a reader refuses versions it does
 * not understand instead of guessing.
 */
export const JOBRESULT_VERSION = 1 as const;

const name = z.string().min(1);
const count = z.number().int().nonnegative();

export const StepStatusSchema = z.enum(['success', 'failure', 'skipped', 'cancelled']);
export const JobStatusSchema = z.enum(['success', 'failure', 'skipped', 'cancelled']);

/** How one step ended. `message` is the runtime's reason ("timed out", "out of memory …"). */
export const StepResultSchema = z.strictObject({
  name,
  status: StepStatusSchema,
  exitCode: z.number().int().optional(),
  message: z.string().optional(),
  /** 0 when the step did not run (skipped, or cancelled before it started). */
  attempts: count,
  durationMs: count,
});

/**
 * A job-level error (image pull, service not ready, checkout, timeout, cancel). `category` is
 * lib/errors' vocabulary: `temporary` may succeed on a retry (network, registry 5xx), `permanent`
 * will not (bad input, a failing service, a cancel). `context` names what failed (image, step, …).
 */
export const JobErrorSchema = z.strictObject({
  message: z.string().min(1),
  category: z.enum(['temporary', 'permanent']),
  context: z.record(z.string(), z.string()),
});

/** How a job ended: one result per step of its last attempt, in order, plus what it produced. */
export const JobResultSchema = z.strictObject({
  version: z.literal(JOBRESULT_VERSION),
  jobId: name,
  name,
  status: JobStatusSchema,
  /** True when the job failed but `allow_failure` lets the run carry on as if it succeeded. */
  allowedFailure: z.boolean(),
  /** How many times the job ran (1 + the retries used; 0 when it was skipped or never started). */
  attempts: count,
  steps: z.array(StepResultSchema),
  durationMs: count,
  /** Workspace-relative paths of the artifacts kept. */
  artifacts: z.array(z.string()),
  /** Where the runner copied the artifacts, when any were (a path on the runner's host). */
  artifactsDir: z.string().optional(),
  /** The artifacts as uploaded to the shared artifact registry, when they were (job-artifacts.ts). */
  artifactsStored: StoredArtifactsSchema.optional(),
  /** The image the job's `build:` produced: manifest digest and the tags set in the store. */
  image: z
    .strictObject({
      digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]+$/),
      refs: z.array(name),
      pushed: z.boolean(),
    })
    .optional(),
  /** Why the job failed or stopped outside its steps, when it did. */
  error: JobErrorSchema.optional(),
});

export type StepStatus = z.infer<typeof StepStatusSchema>;
export type JobStatus = z.infer<typeof JobStatusSchema>;
export type StepResult = z.infer<typeof StepResultSchema>;
export type JobError = z.infer<typeof JobErrorSchema>;
export type JobResult = z.infer<typeof JobResultSchema>;

export type JobResultParse = { ok: true; result: JobResult } | { ok: false; error: string };

/**
 * Validates a JobResult from JSON text or an already-parsed value. Never throws. The error names
 * the field path (`steps[0].status: …`, `error.category: …`) or the unsupported version.
 */
export function parseJobResult(input: unknown): JobResultParse {
  const r = parseVersioned(input, {
    what: 'JobResult',
    reader: 'version of Slipway',
    version: JOBRESULT_VERSION,
    schema: JobResultSchema,
  });
  return r.ok ? { ok: true, result: r.value } : r;
}

/**
 * A JobResult of the current version for job `job`: `status`, then what happened (`fields`;
 * nothing ran by default). `allowedFailure` holds when a failure was allowed by `allowFailure`.
 */
export function makeJobResult(
  job: { id: string; name: string },
  status: JobStatus,
  fields: Partial<Omit<JobResult, 'version' | 'jobId' | 'name' | 'status' | 'allowedFailure'>> & {
    allowFailure?: boolean;
  } = {},
): JobResult {
  const { allowFailure, ...rest } = fields;
  return {
    version: JOBRESULT_VERSION,
    jobId: job.id,
    name: job.name,
    status,
    allowedFailure: status === 'failure' && allowFailure === true,
    attempts: 0,
    steps: [],
    durationMs: 0,
    artifacts: [],
    ...rest,
  };
}
