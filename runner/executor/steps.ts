import type { JobError, JobSpec, ResourcesSpec, StepResult, StepSpec } from '../../pipelines/index.js';
import type { ResolvedImage } from '../job-images.js';
import type { JobHandle, Mount, ResourceLimits, Runtime } from '../runtime/index.js';
import type { ExecutorEvents } from './events.js';
import { jobError } from './job-error.js';
import type { SecretMasker } from './secret-mask.js';
import { ForwardingSink } from './sinks.js';

export interface StepContext {
  runtime: Runtime;
  job: JobHandle;
  spec: JobSpec;
  events: ExecutorEvents;
  /** The job env with granted secrets; the step's own env is layered on top. */
  env: Record<string, string>;
  mounts: Mount[];
  extraHosts: Array<{ name: string; ip: string }>;
  image(ref: string): Promise<ResolvedImage>;
  /** Masks the job's secrets in the step's output. */
  masker: SecretMasker;
  signal: AbortSignal;
}

/**
 * The runtime limits of a JobSpec `resources` (a step's or the job's): only the fields it sets,
 * so the runner's defaults still apply to the others.
 */
export function containerLimits(r: ResourcesSpec): ResourceLimits {
  const limits: ResourceLimits = {};
  if (r.memoryBytes !== undefined) limits.memoryBytes = r.memoryBytes;
  if (r.cpus !== undefined) limits.cpus = r.cpus;
  if (r.pids !== undefined) limits.pids = r.pids;
  return limits;
}

/** Whether a step with `when.status` runs, given whether an earlier step failed. */
export function stepShouldRun(step: StepSpec, failedSoFar: boolean): boolean {
  const s = step.when.status;
  return s.includes('always') || (failedSoFar ? s.includes('failure') : s.includes('success'));
}

/**
 * Runs one step (`sh -e` script) in its own container, retrying a failed attempt up to
 * `step.retry` times. A non-zero exit is a `failure` result, never a throw; a cancelled job
 * gives `cancelled`. An image that cannot be had is a `failure` with the message, not retried
 * here, and `setupError` says whether another attempt of the job may help (registry
 * unreachable: temporary; no such image: permanent). With `startAfter`, the first attempt's
 * container is made at once and its process (and the step's `stepStarted`) waits for it (see
 * RunOptions.startAfter); when it rejects, nothing ran, no event was sent, and the result is
 * only the caller's to drop.
 */
export async function runStep(
  ctx: StepContext,
  step: StepSpec,
  index: number,
  opts: { startAfter?: Promise<unknown> } = {},
): Promise<{ result: StepResult; setupError?: JobError }> {
  let started = Date.now();
  const sink = new ForwardingSink(ctx.events, step.name, ctx.masker);
  let attempts = 0;
  let last: StepResult = { name: step.name, status: 'failure', attempts: 0, durationMs: 0 };
  let refused = false;
  while (attempts <= step.retry) {
    attempts++;
    const attempt = attempts;
    const startAfter = attempt === 1 ? opts.startAfter : undefined;
    const announced = startAfter?.then(
      () => {
        started = Date.now();
        ctx.events.stepStarted?.(step, attempt);
      },
      (err: unknown) => {
        refused = true;
        throw err;
      },
    );
    announced?.catch(() => undefined); // observed later, by the runtime (or below)
    if (!announced) ctx.events.stepStarted?.(step, attempt);
    let image: ResolvedImage;
    try {
      image = await ctx.image(step.image);
    } catch (err) {
      await announced?.catch(() => undefined);
      const result: StepResult = {
        name: step.name,
        status: ctx.signal.aborted ? 'cancelled' : 'failure',
        message: (err as Error).message,
        attempts,
        durationMs: Date.now() - started,
      };
      return ctx.signal.aborted ? { result } : { result, setupError: ctx.masker.error(jobError(err)) };
    }
    try {
      const result = await ctx.runtime.run(
        ctx.job,
        {
          name: `step${index}-${attempts}`,
          lowerDirs: image.lowerDirs,
          imageConfig: image.config,
          script: step.run,
          env: { ...ctx.env, ...step.env },
          ...(step.user ? { user: step.user } : {}),
          workdir: step.workdir ?? ctx.spec.workspace,
          mounts: ctx.mounts,
          // Offline steps get loopback only, so service names must not resolve either.
          ...(step.network === 'none' ? { network: 'none' as const } : { extraHosts: ctx.extraHosts }),
          ...(step.resources ? { limits: containerLimits(step.resources) } : {}),
        },
        {
          sink,
          signal: ctx.signal,
          ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
          ...(announced ? { startAfter: announced } : {}),
        },
      );
      const status = result.cancelled
        ? 'cancelled'
        : result.exitCode === 0 && !result.timedOut
          ? 'success'
          : 'failure';
      last = {
        name: step.name,
        status,
        exitCode: result.exitCode,
        ...(result.message ? { message: result.message } : {}),
        attempts,
        durationMs: Date.now() - started,
      };
    } catch (err) {
      last = {
        name: step.name,
        status: 'failure',
        message: (err as Error).message,
        attempts,
        durationMs: Date.now() - started,
      };
    }
    if (last.status !== 'failure' || ctx.signal.aborted || refused) break;
  }
  if (ctx.signal.aborted && last.status === 'failure') last.status = 'cancelled';
  return { result: last };
}
