import { setTimeout as sleep } from 'node:timers/promises';
import { deadline } from '../../lib/deadline.js';
import {
  type JobError,
  type JobSpec,
  makeJobResult,
  type StepResult,
  type StepSpec,
} from '../../pipelines/index.js';
import type { Executor, ExecutorEvents } from '../../runner/executor/index.js';
import { stoppedError } from '../../runner/executor/job-error.js';
import { stepShouldRun } from '../../runner/executor/steps.js';

/** What one scripted step does. Defaults: no output, exit 0 at once. */
export interface FakeStep {
  exitCode?: number;
  /** Printed when the step starts, in order (a string is a stdout line). */
  lines?: Array<string | { stream: 'stdout' | 'stderr'; text: string }>;
  /** How long the step runs after its lines (abortable). */
  durationMs?: number;
  /** Never ends by itself: runs until the job is cancelled or a step or job timeout. */
  hang?: boolean;
}

/** What one scripted job does: its steps by name (unlisted steps pass), or a setup error. */
export interface FakeJob {
  steps?: Record<string, FakeStep>;
  /** Fails every attempt before the first step, like an image pull or a service that is not ready. */
  error?: Pick<JobError, 'message'> & Partial<JobError>;
}

/** An Executor that records every JobSpec it was given. */
export type FakeExecutor = Executor & { readonly calls: JobSpec[] };

/**
 * A scripted Executor for tests without root (in the spirit of Woodpecker's dummy backend):
 * `script` gives each job (by name or id) its step exit codes, log lines, durations and hangs.
 * It follows the real executor's rules from the JobSpec: step `when.status`, step and job
 * `retry`, step `timeoutMs` (failure "timed out"), job `timeoutMs` and `signal` (`cancelled`),
 * and it reports the same events in the same order.
 */
export function createFakeExecutor(script: Record<string, FakeJob> = {}): FakeExecutor {
  const calls: JobSpec[] = [];
  const execute: Executor = async (spec, _source, events, signal) => {
    calls.push(spec);
    const job = script[spec.job.name] ?? script[spec.job.id] ?? {};
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      // Like the real one, each attempt gets the job's full timeout.
      const jobDeadline = deadline(spec.timeoutMs, ...(signal ? [signal] : []));
      const jobSignal = jobDeadline.signal;
      events.jobStarted?.(spec, attempt);
      const steps: StepResult[] = [];
      let error: JobError | undefined = job.error
        ? { category: 'permanent', context: {}, ...job.error }
        : undefined;
      let failed = error !== undefined;
      for (const step of error ? [] : spec.steps) {
        const result: StepResult =
          jobSignal.aborted || !stepShouldRun(step, failed)
            ? {
                name: step.name,
                status: jobSignal.aborted ? 'cancelled' : 'skipped',
                attempts: 0,
                durationMs: 0,
              }
            : await runStep(step, job.steps?.[step.name] ?? {}, events, jobSignal);
        steps.push(result);
        events.stepFinished?.(step, result);
        if (result.status === 'failure' || result.status === 'cancelled') failed = true;
      }
      const cancelled = jobSignal.aborted;
      jobDeadline.dispose();
      if (cancelled && !error) error = stoppedError(signal?.aborted === true, spec.timeoutMs);
      const status = cancelled ? 'cancelled' : failed ? 'failure' : 'success';
      if (status === 'failure' && !spec.allowFailure && attempt <= spec.retry && !signal?.aborted) {
        const text = `job ${spec.job.name} failed on attempt ${attempt} of ${spec.retry + 1}; retrying`;
        events.log('setup', { stream: 'stdout', time: Date.now(), text });
        continue;
      }
      const result = makeJobResult(spec.job, status, {
        allowFailure: spec.allowFailure,
        attempts: attempt,
        steps,
        durationMs: Date.now() - started,
        ...(error ? { error } : {}),
      });
      events.jobFinished?.(result);
      return result;
    }
  };
  return Object.assign(execute, { calls });
}

/** One step with its retries, as steps.ts runStep does it on a real runtime. */
async function runStep(
  step: StepSpec,
  fake: FakeStep,
  events: ExecutorEvents,
  signal: AbortSignal,
): Promise<StepResult> {
  const started = Date.now();
  let result: StepResult = { name: step.name, status: 'failure', attempts: 0, durationMs: 0 };
  for (let attempts = 1; attempts <= step.retry + 1; attempts++) {
    events.stepStarted?.(step, attempts);
    for (const l of fake.lines ?? []) {
      const line = typeof l === 'string' ? { stream: 'stdout' as const, text: l } : l;
      events.log(step.name, { ...line, time: Date.now() });
    }
    const stepDeadline = step.timeoutMs ? deadline(step.timeoutMs, signal) : undefined;
    const stop = stepDeadline?.signal ?? signal;
    const ms = fake.hang ? 2_147_483_647 : (fake.durationMs ?? 0);
    if (ms > 0) await sleep(ms, undefined, { signal: stop }).catch(() => {});
    const exitCode = stop.aborted ? 143 : (fake.exitCode ?? 0);
    const status = signal.aborted ? 'cancelled' : exitCode === 0 ? 'success' : 'failure';
    const message = signal.aborted ? 'cancelled' : stop.aborted ? 'timed out' : undefined;
    stepDeadline?.dispose();
    result = { name: step.name, status, exitCode, ...(message ? { message } : {}), attempts, durationMs: 0 };
    if (status !== 'failure') break;
  }
  return { ...result, durationMs: Date.now() - started };
}
