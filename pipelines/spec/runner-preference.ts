import { z } from 'zod';

/**
 * The runner a queued job would rather run on: the one that built the job's image earlier in
 * the run (a `build:` job's result), so the image is used there with no registry round trip.
 * A preference, never a requirement: another runner serving the queue leaves the job to
 * `runner` (puts it back, PREFER_RETAKE_MS later) only while that runner is online, not
 * draining, has a free slot by its heartbeat, and `until` (ms since epoch) has not passed;
 * otherwise it runs the job and pulls the image. `builtBy` names the job that built `image`.
 */
export const RunnerPreferenceSchema = z.strictObject({
  runner: z.string().min(1),
  image: z.string().min(1),
  builtBy: z.string().min(1),
  until: z.number().int(),
});
export type RunnerPreference = z.infer<typeof RunnerPreferenceSchema>;

/** How long a job waits at most for the runner it prefers (the time for a free slot there to take it). */
export const PREFER_WAIT_MS = 10_000;
/** How soon a job left to the runner it prefers is offered again. */
export const PREFER_RETAKE_MS = 250;

/** The heartbeat fields a preference is checked against (see RunnerHeartbeat in wire.ts). */
interface Beat {
  labels: readonly string[];
  concurrency: number;
  running: readonly string[];
  lastSeen: number;
  draining: boolean;
}

/** Whether a runner with this heartbeat could take a job with `labels` now: seen within `offlineMs`, not draining, a slot free. */
export function mayTakeNow(
  beat: Beat | undefined,
  labels: readonly string[],
  offlineMs: number,
  now: number,
): boolean {
  if (!beat || beat.draining || now - beat.lastSeen > offlineMs) return false;
  return beat.running.length < beat.concurrency && labels.every((l) => beat.labels.includes(l));
}
