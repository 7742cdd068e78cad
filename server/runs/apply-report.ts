import { log } from '../../lib/log.js';
import type { RunnerReport } from '../../pipelines/index.js';
import { FINAL_JOB_STATES, type JobRecord, revokeJobToken, updateJob, updateRun } from '../store/index.js';
import { advanceRun } from './advance.js';
import type { RunsDeps } from './deps.js';
import { recordJobDuration } from './queue-place.js';

const logger = log.child({ module: 'server/runs/reports' });

/**
 * Applies runner reports of one job attempt, in order, to the job's record (one change for all
 * of them), then moves the run on when the job ended.
 * Exactly once in effect: a job in a final state takes no more changes, a report of an older
 * BullMQ attempt than the record's is stale, and every change is a compare-and-set from what
 * the record holds, so reports applied twice (a retried delivery, two servers) change nothing
 * the second time. The follow-up (token revoked, log archived, run advanced) is idempotent and
 * runs again on a redelivery, so a server killed half-way leaves nothing undone.
 */
export async function applyReports(deps: RunsDeps, reports: readonly RunnerReport[]): Promise<void> {
  const [first] = reports;
  if (!first) return;
  const now = Date.now();
  /** The reports that changed the record, by event type (set by the last change computed). */
  let changedBy = new Set<string>();
  const updated = await updateJob(deps.redis, first.jobId, (job) => {
    changedBy = new Set();
    let next = job;
    for (const report of reports) {
      if (FINAL_JOB_STATES.includes(next.state)) break;
      if (report.attempt < next.attempts) continue;
      const changed = change(next, report, now);
      if (!changed) continue;
      next = changed;
      changedBy.add(report.event.type);
    }
    return changedBy.size ? next : undefined;
  });
  if (!updated) {
    logger.warn({ job: first.jobId }, 'report for an unknown job');
    return;
  }
  const job = updated.value;
  if (updated.changed && changedBy.has('job-started')) deps.onJobStarted?.(job.id);
  // A job that started makes its run running, even when its start came with its end (one batch).
  if (job.state === 'running' || (updated.changed && job.startedAt !== undefined)) {
    await updateRun(deps.redis, job.runId, (r) =>
      r.status === 'pending'
        ? { ...r, status: 'running', startedAt: r.startedAt ?? job.startedAt ?? now }
        : undefined,
    );
  }
  if (FINAL_JOB_STATES.includes(job.state)) {
    // Counted once: only the report that made the job final (a redelivery changes nothing).
    if (updated.changed) await recordJobDuration(deps.redis, job);
    await revokeJobToken(deps.redis, job.id);
    await deps.onJobFinished?.(job.id);
    await advanceRun(deps, job.runId);
  }
  if (updated.changed && changedBy.has('job-finished'))
    logger.info({ job: job.id, state: job.state, runner: reports.at(-1)?.runner }, 'job finished');
}

/** The record after `report`, or undefined when it changes nothing. */
function change(job: JobRecord, report: RunnerReport, now: number): JobRecord | undefined {
  const e = report.event;
  const attempt = { attempts: report.attempt, runner: report.runner };
  switch (e.type) {
    case 'job-started': {
      const fresh = report.attempt > job.attempts || e.attempt > 1 || job.state !== 'running';
      if (!fresh) return undefined;
      return {
        ...job,
        ...attempt,
        state: 'running',
        startedAt: job.startedAt ?? now,
        steps: job.steps.map((s) => ({ name: s.name, status: 'waiting', attempt: 0 })),
      };
    }
    case 'step-started':
      return {
        ...job,
        ...attempt,
        state: 'running',
        startedAt: job.startedAt ?? now,
        steps: job.steps.map((s) =>
          s.name === e.step ? { name: s.name, status: 'running', attempt: e.attempt, startedAt: now } : s,
        ),
      };
    case 'step-finished':
      return {
        ...job,
        ...attempt,
        steps: job.steps.map((s) =>
          s.name === e.result.name
            ? { ...s, status: e.result.status, attempt: e.result.attempts, result: e.result }
            : s,
        ),
      };
    case 'job-finished': {
      const r = e.result;
      const results = new Map(r.steps.map((s) => [s.name, s]));
      return {
        ...job,
        ...attempt,
        state: r.status,
        allowedFailure: r.allowedFailure,
        ...(r.error ? { error: r.error } : {}),
        ...(r.image ? { image: r.image } : {}),
        ...(r.artifacts.length ? { artifacts: r.artifacts } : {}),
        ...(r.artifactsStored ? { artifactsStored: r.artifactsStored } : {}),
        startedAt: job.startedAt ?? now,
        finishedAt: now,
        steps: job.steps.map((s) => {
          const res = results.get(s.name);
          if (res) return { ...s, status: res.status, attempt: res.attempts, result: res };
          return s.status === 'waiting' || s.status === 'running' ? { ...s, status: 'skipped' } : s;
        }),
      };
    }
    default:
      return undefined;
  }
}
