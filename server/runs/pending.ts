import { RUNNER_OFFLINE_MS, type RunnerHeartbeat } from '../../pipelines/index.js';
import type { JobRecord } from '../store/index.js';

/**
 * Why a job that has not started waits, in words a user acts on; undefined once it runs or
 * ended. `jobs` are the run's jobs (for needs), `runners` the heartbeats of all runners.
 */
export function pendingReason(
  job: JobRecord,
  jobs: readonly JobRecord[],
  runners: readonly RunnerHeartbeat[],
  now = Date.now(),
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
  if (free.length === 0)
    return `all ${matching.length} matching runner${matching.length === 1 ? '' : 's'} busy`;
  return `waiting for one of ${free.length} idle matching runner${free.length === 1 ? '' : 's'} to take it`;
}
