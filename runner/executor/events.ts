import type { JobSpec, StepSpec } from '../../pipelines/spec/index.js';
import type { LogLine } from '../runtime/types.js';

export type StepStatus = 'success' | 'failure' | 'skipped' | 'cancelled';
export type JobStatus = 'success' | 'failure' | 'skipped' | 'cancelled';

/** How one step ended. `message` is the runtime's reason ("timed out after 2s", "out of memory …"). */
export interface StepResult {
  name: string;
  status: StepStatus;
  exitCode?: number;
  message?: string;
  attempts: number;
  durationMs: number;
}

/** How a job ended: one result per step, in order, plus what the job produced. */
export interface JobResult {
  jobId: string;
  name: string;
  status: JobStatus;
  /** True when the job failed but `allow_failure` lets the run carry on as if it succeeded. */
  allowedFailure: boolean;
  /** How many times the job ran (1 + the retries used; 0 when it was skipped or never started). */
  attempts: number;
  /** The steps of the last attempt. */
  steps: StepResult[];
  durationMs: number;
  /** Workspace-relative paths of the artifacts kept. */
  artifacts: string[];
  /** Where the artifacts were copied, when any were. */
  artifactsDir?: string;
  /** The image the job's `build:` produced: manifest digest and the tags set in the local store. */
  image?: { digest: string; refs: string[]; pushed: boolean };
  /** A setup or teardown error (image pull, service not ready, …), when there was one. */
  error?: string;
}

/**
 * What the executor reports while it runs a job. `source` of a log line is a step name,
 * `service:<name>` for service output, or `setup` for the executor's own progress lines.
 * All callbacks are synchronous and must not throw; the terminal, Redis or memory sit behind.
 */
export interface ExecutorEvents {
  /** Once per attempt of the job (`attempt` counts from 1; above 1 after a failed attempt). */
  jobStarted?(spec: JobSpec, attempt: number): void;
  stepStarted?(step: StepSpec, attempt: number): void;
  log(source: string, line: LogLine): void;
  stepFinished?(step: StepSpec, result: StepResult): void;
  /** Once per job, after its last attempt (or when it was skipped). */
  jobFinished?(result: JobResult): void;
}
