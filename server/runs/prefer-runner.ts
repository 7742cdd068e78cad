import type { Redis } from 'ioredis';
import {
  mayTakeNow,
  PREFER_WAIT_MS,
  parseRunnerHeartbeat,
  RUNNER_OFFLINE_MS,
  type RunnerPreference,
  wireKeys,
} from '../../pipelines/index.js';
import { normalizeReference } from '../../runner/oci/index.js';
import type { JobRecord } from '../store/index.js';

/**
 * The runner `job` would rather run on (RunnerPreference): the one that ran a successful job of
 * the same run whose `build:` tagged the job's image, while that runner could take the job now
 * (online, not draining, a slot free, every label the job asks for). Undefined otherwise, and
 * for an image no job of the run built. Read-only; the queue carries the answer.
 */
export async function preferredRunner(
  redis: Redis,
  job: JobRecord,
  runJobs: readonly JobRecord[],
  now = Date.now(),
): Promise<RunnerPreference | undefined> {
  const wanted = job.spec.image;
  const image = wanted === undefined ? undefined : normalized(wanted);
  if (wanted === undefined || !image) return undefined;
  const builder = runJobs.find(
    (j) =>
      j.id !== job.id &&
      j.state === 'success' &&
      j.runner &&
      j.image?.refs.some((r) => normalized(r) === image),
  );
  if (!builder?.runner) return undefined;
  const beat = parseRunnerHeartbeat(await redis.hget(wireKeys.runners, builder.runner));
  if (!mayTakeNow(beat, job.spec.labels, RUNNER_OFFLINE_MS, now)) return undefined;
  return { runner: builder.runner, image: wanted, builtBy: builder.name, until: now + PREFER_WAIT_MS };
}

function normalized(ref: string): string | undefined {
  try {
    return normalizeReference(ref);
  } catch {
    return undefined;
  }
}
