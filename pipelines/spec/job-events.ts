import { z } from 'zod';
import { JobResultSchema, StepResultSchema } from './job-result.js';
import { parseVersioned } from './versioned.js';

/**
 * Job events: what a runner reports while it runs a job, in order, for the server's live view
 * (`log` lines also go to the job's log stream). Each event is one JSON object with a `type`.
 * The final word on a job is its `job-finished` JobResult; the other events are progress.
 *
 * Versioning: `version` is bumped on any incompatible change; a reader refuses versions it does
 * not understand instead of guessing.
 */
export const JOB_EVENT_VERSION = 1 as const;

const base = { version: z.literal(JOB_EVENT_VERSION), jobId: z.string().min(1) };
const attempt = z.number().int().positive();

/** An attempt of the job began (`attempt` counts from 1; above 1 after a failed attempt). */
export const JobStartedEventSchema = z.strictObject({ ...base, type: z.literal('job-started'), attempt });

/** An attempt of a step began; `step` is its name. */
export const StepStartedEventSchema = z.strictObject({
  ...base,
  type: z.literal('step-started'),
  step: z.string().min(1),
  attempt,
});

/** A step ended (or was skipped or cancelled without starting). */
export const StepFinishedEventSchema = z.strictObject({
  ...base,
  type: z.literal('step-finished'),
  result: StepResultSchema,
});

/** The job ended after its last attempt (or was skipped); `result` is its JobResult. */
export const JobFinishedEventSchema = z.strictObject({
  ...base,
  type: z.literal('job-finished'),
  result: JobResultSchema,
});

/** One line of output, without its newline. */
export const LogLineSchema = z.strictObject({
  stream: z.enum(['stdout', 'stderr']),
  /** Milliseconds since the epoch. */
  time: z.number(),
  text: z.string(),
});

/** A line from `source`: a step name, `service:<name>`, `build`, or `setup` (the executor's own). */
export const LogEventSchema = z.strictObject({
  ...base,
  type: z.literal('log'),
  source: z.string().min(1),
  line: LogLineSchema,
});

export const JobEventSchema = z.discriminatedUnion('type', [
  JobStartedEventSchema,
  StepStartedEventSchema,
  StepFinishedEventSchema,
  JobFinishedEventSchema,
  LogEventSchema,
]);

export type LogLine = z.infer<typeof LogLineSchema>;
export type JobStartedEvent = z.infer<typeof JobStartedEventSchema>;
export type StepStartedEvent = z.infer<typeof StepStartedEventSchema>;
export type StepFinishedEvent = z.infer<typeof StepFinishedEventSchema>;
export type JobFinishedEvent = z.infer<typeof JobFinishedEventSchema>;
export type LogEvent = z.infer<typeof LogEventSchema>;
export type JobEvent = z.infer<typeof JobEventSchema>;

export type JobEventParse = { ok: true; event: JobEvent } | { ok: false; error: string };

/**
 * Validates a job event from JSON text or an already-parsed value. Never throws. The error names
 * the field path (`result.steps[0].status: …`) or the unsupported version.
 */
export function parseJobEvent(input: unknown): JobEventParse {
  const r = parseVersioned(input, {
    what: 'job event',
    reader: 'version of Slipway',
    version: JOB_EVENT_VERSION,
    schema: JobEventSchema,
  });
  return r.ok ? { ok: true, event: r.value } : r;
}
