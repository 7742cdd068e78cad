import type { Redis } from 'ioredis';
import {
  mayTakeNow,
  parseRunnerHeartbeat,
  RUNNER_OFFLINE_MS,
  type RunnerPreference,
  RunnerPreferenceSchema,
  wireKeys,
} from '../../pipelines/index.js';

/** A queued job's runner preference (see RunnerPreference), if its data carries a valid one. */
export function preferenceOf(data: unknown): RunnerPreference | undefined {
  const prefer = (data as { prefer?: unknown } | null)?.prefer;
  const parsed = RunnerPreferenceSchema.safeParse(prefer);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether runner `self` should leave a job it was offered (with `labels`, the queue's) to the
 * runner the job prefers: only while the preference holds (`until` not passed) and that runner
 * could take it now by its heartbeat. The caller puts the job back for PREFER_RETAKE_MS.
 */
export async function leaveToPreferred(
  redis: Redis,
  data: unknown,
  self: string,
  labels: readonly string[],
  now = Date.now(),
): Promise<boolean> {
  const prefer = preferenceOf(data);
  if (!prefer || prefer.runner === self || now > prefer.until) return false;
  const beat = parseRunnerHeartbeat(await redis.hget(wireKeys.runners, prefer.runner));
  return mayTakeNow(beat, labels, RUNNER_OFFLINE_MS, now);
}
