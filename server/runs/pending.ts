import { RUNNER_OFFLINE_MS, type RunnerHeartbeat } from '../../pipelines/index.js';
import type { JobRecord } from '../store/index.js';
import type { QueuePlace } from './queue-place.js';

/**
 * Why a job that has not started waits, in words a user acts on; undefined once it runs or
 * ended. `jobs` are the run's jobs (for needs), `runners` the heartbeats of all runners,
 * `place` where a queued job stands in its queue (position, and an estimate of the wait from
 * the queue's recent durations when every matching runner is busy).
 */
export function pendingReason(
  job: JobRecord,
  jobs: readonly JobRecord[],
  runners: readonly RunnerHeartbeat[],
  now = Date.now(),
  place?: QueuePlace,
): string | undefined {
  if (job.state === 'waiting') {
    const open = job.spec.needs
      .map((id) => jobs.find((j) => j.planId === id))
      .filter(
        (j): j is JobRecord =>
          j !== undefined && !['success', 'failure', 'skipped', 'cancelled'].includes(j.state),
      );
    if (open.length > 0) return `waiting for jobs ${open.map((j) => j.name).join(', ')}`;
    return 'about to be queued';
  }
  if (job.state !== 'queued') return undefined;
  const labels = job.spec.labels;
  const online = runners.filter((r) => now - r.lastSeen < RUNNER_OFFLINE_MS && !r.draining);
  const matching = online.filter((r) => labels.every((l) => r.labels.includes(l)));
  if (matching.length === 0)
    return labels.length === 0 ? 'no runner online' : `no runner online with labels [${labels.join(', ')}]`;
  const free = matching.filter((r) => r.running.length < r.concurrency);
  const preferred =
    job.prefer && now < job.prefer.until ? free.find((r) => r.name === job.prefer?.runner) : undefined;
  if (preferred && job.prefer)
    return `waiting for runner ${preferred.name}, which built its image ${job.prefer.image} (other runners leave it to that one for ${roughly(job.prefer.until - now)} more)`;
  if (free.length === 0) {
    const busy = `all ${matching.length} matching runner${matching.length === 1 ? '' : 's'} busy`;
    if (!place) return busy;
    const slots = matching.reduce((n, r) => n + r.concurrency, 0);
    const estimate =
      place.medianMs === undefined
        ? ''
        : `, about ${roughly(Math.ceil(place.position / slots) * place.medianMs)} (recent jobs took ${roughly(place.medianMs)})`;
    return `${busy}; ${ordinal(place.position)} in the queue${estimate}`;
  }
  return `waiting for one of ${free.length} idle matching runner${free.length === 1 ? '' : 's'} to take it`;
}

const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};

/** A wait in words: seconds under two minutes, else minutes. */
const roughly = (ms: number) =>
  ms < 120_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
