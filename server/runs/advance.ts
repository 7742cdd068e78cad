import { log } from '../../lib/log.js';
import { type JobOutcome, nextJobs, type PlannedJob, WIRE_VERSION } from '../../pipelines/index.js';
import {
  FINAL_JOB_STATES,
  FINAL_RUN_STATUSES,
  getJobs,
  getRun,
  issueJobToken,
  type JobRecord,
  type RunRecord,
  type RunStatus,
  updateJob,
  updateRun,
} from '../store/index.js';
import type { RunsDeps } from './deps.js';
import { reportRunStatus } from './forge-status.js';
import { preferredRunner } from './prefer-runner.js';

const logger = log.child({ module: 'server/runs' });

/** How long a job-scoped token stays valid at most (it is revoked when the job ends). */
const JOB_TOKEN_TTL_MS = 24 * 3600 * 1000;

/**
 * Moves a run forward from what its records say: jobs whose needs are decided and whose
 * `when.status` does not match become `skipped`; jobs ready to run are queued (enqueue first,
 * then waiting → queued, so a crash in between leaves a job that the next call queues again,
 * and the queue drops the duplicate), each preferring the runner that built its image in this
 * run (preferredRunner); once nothing is left, the run gets its final status.
 * Idempotent and safe to call from several servers at once; call it after anything changed.
 */
export async function advanceRun(deps: RunsDeps, runId: string): Promise<RunRecord | undefined> {
  const run = await getRun(deps.redis, runId);
  if (!run || FINAL_RUN_STATUSES.includes(run.status)) return run;
  const jobs = await getJobs(deps.redis, run.jobs);
  const results = new Map<string, JobOutcome>();
  for (const j of jobs)
    if (FINAL_JOB_STATES.includes(j.state))
      results.set(j.planId, { status: j.state as JobOutcome['status'], allowedFailure: j.allowedFailure });
  const byPlanId = new Map(jobs.map((j) => [j.planId, j]));
  const planned: PlannedJob[] = jobs.map((j) => ({
    id: j.planId,
    job: j.name,
    name: j.name,
    layer: j.layer,
    spec: j.spec,
  }));
  const progress = nextJobs({ jobs: planned }, results);
  for (const p of progress.skipped) {
    const job = byPlanId.get(p.id);
    if (job?.state === 'waiting')
      await updateJob(deps.redis, job.id, (j) =>
        j.state === 'waiting'
          ? { ...j, state: 'skipped', finishedAt: Date.now(), steps: skippedSteps(j) }
          : undefined,
      );
  }
  for (const p of progress.ready) {
    const job = byPlanId.get(p.id);
    if (job?.state === 'waiting') await queueJob(deps, run, job, jobs);
  }
  if (progress.done) return finishRun(deps, run.id);
  return run;
}

async function queueJob(deps: RunsDeps, run: RunRecord, job: JobRecord, runJobs: JobRecord[]): Promise<void> {
  const wantsSecrets = job.spec.secrets.length > 0 && !run.trigger.fromFork;
  const secrets = wantsSecrets
    ? {
        url: `${deps.publicUrl}/api/jobs/${job.id}/secrets`,
        token: await issueJobToken(deps.redis, job.id, JOB_TOKEN_TTL_MS),
      }
    : undefined;
  const prefer = await preferredRunner(deps.redis, job, runJobs);
  await deps.queue.enqueue({
    version: WIRE_VERSION,
    jobId: job.id,
    runId: run.id,
    spec: job.spec,
    ...(secrets ? { secrets } : {}),
    ...(prefer ? { prefer } : {}),
  });
  const queued = await updateJob(deps.redis, job.id, (j) =>
    j.state === 'waiting'
      ? { ...j, state: 'queued', queuedAt: Date.now(), ...(prefer ? { prefer } : {}) }
      : undefined,
  );
  if (queued?.changed) {
    logger.info({ run: run.id, job: job.id, labels: job.spec.labels }, 'job queued');
    if (run.status === 'pending') void reportRunStatus(deps, run, 'pending');
  }
}

function skippedSteps(job: JobRecord): JobRecord['steps'] {
  return job.steps.map((s) => (s.status === 'waiting' ? { ...s, status: 'skipped' } : s));
}

/** The final status a run's jobs add up to; cancelled wins over failure, failure over success. */
export function runOutcome(jobs: readonly JobRecord[]): RunStatus {
  if (jobs.some((j) => j.state === 'cancelled')) return 'cancelled';
  if (jobs.some((j) => j.state === 'failure' && !j.allowedFailure)) return 'failure';
  return 'success';
}

async function finishRun(deps: RunsDeps, runId: string): Promise<RunRecord | undefined> {
  const run = await getRun(deps.redis, runId);
  if (!run) return undefined;
  const status = runOutcome(await getJobs(deps.redis, run.jobs));
  const done = await updateRun(deps.redis, runId, (r) =>
    FINAL_RUN_STATUSES.includes(r.status) ? undefined : { ...r, status, finishedAt: Date.now() },
  );
  if (done?.changed) {
    logger.info({ run: runId, status }, 'run finished');
    void reportRunStatus(deps, done.value, status);
  }
  return done?.value;
}
