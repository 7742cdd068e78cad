import {
  JOB_EVENT_VERSION,
  type JobEvent,
  type JobResult,
  type JobSpec,
  type LogLine,
  type StepResult,
  type StepSpec,
} from '../../pipelines/index.js';
import type { LogLines } from '../runtime/index.js';

/**
 * What the executor reports while it runs a job. `source` of a log line is a step name,
 * `service:<name>` for service output, `build`, or `setup` for the executor's own progress lines.
 * All callbacks are synchronous and must not throw; the terminal, Redis or memory sit behind.
 * The results and lines are the wire types; jobEvents() turns the calls into wire events.
 */
export interface ExecutorEvents {
  /** Once per attempt of the job (`attempt` counts from 1; above 1 after a failed attempt). */
  jobStarted?(spec: JobSpec, attempt: number): void;
  stepStarted?(step: StepSpec, attempt: number): void;
  log(source: string, line: LogLine): void;
  /**
   * Optional: a chunk of a container's complete lines in one call (see the runtime's
   * LogLines), only when none needs masking. Without it, they come as `log` calls.
   */
  logLines?(source: string, lines: LogLines): void;
  /** Optional backpressure on container output (see the runtime's LogSink `ready`). */
  ready?(): Promise<void> | undefined;
  stepFinished?(step: StepSpec, result: StepResult): void;
  /** Once per job, after its last attempt (or when it was skipped). */
  jobFinished?(result: JobResult): void;
}

/**
 * ExecutorEvents that hand every call to `send` as a versioned JobEvent of job `jobId`, in the
 * order they happen (what a worker puts on Redis; what a test collects and validates).
 */
export function jobEvents(jobId: string, send: (event: JobEvent) => void): ExecutorEvents {
  const base = { version: JOB_EVENT_VERSION, jobId };
  return {
    jobStarted: (_spec, attempt) => send({ ...base, type: 'job-started', attempt }),
    stepStarted: (step, attempt) => send({ ...base, type: 'step-started', step: step.name, attempt }),
    log: (source, line) =>
      send({ ...base, type: 'log', source, line: { stream: line.stream, time: line.time, text: line.text } }),
    stepFinished: (_step, result) => send({ ...base, type: 'step-finished', result }),
    jobFinished: (result) => send({ ...base, type: 'job-finished', result }),
  };
}
