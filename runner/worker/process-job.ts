import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { SlipwayError } from '../../lib/errors.js';
import { mirrorCommit, redactUrl } from '../../lib/git.js';
import { log } from '../../lib/log.js';
import {
  JOB_EVENT_VERSION,
  type JobEvent,
  type JobResult,
  type LogLine,
  makeJobResult,
  parseQueuedJob,
  type QueuedJob,
  type RunnerPreference,
  runnerLostResult,
  WIRE_VERSION,
} from '../../pipelines/index.js';
import { dataDirPaths } from '../data-dir.js';
import { type Executor, jobEvents } from '../executor/index.js';
import type { LogLines } from '../runtime/index.js';
import { type ArtifactUploader, withUploadedArtifacts } from './artifact-upload.js';
import { beginAttempt, runnersLost } from './attempts.js';
import { fetchJobSecrets } from './job-secrets.js';
import { reportBatcher } from './report-batcher.js';
import type { ReportSender } from './reports.js';

const logger = log.child({ module: 'runner/worker' });

/** A job's log stream as the worker needs it (runner/worker/log-writer.ts in a runner). */
export interface JobLog {
  write(source: string, line: LogLine): void;
  writeLines(source: string, lines: LogLines): void;
  ready(): Promise<void> | undefined;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ProcessDeps {
  redis: Redis;
  name: string;
  dataDir: string;
  reports: ReportSender;
  /** The executor for one job, with that job's secret values. */
  executorFor(secrets: Record<string, string>): Executor;
  openLog(jobId: string): Promise<JobLog>;
  /** The job's cancel signal (cancel from the server, or a drain past its grace: see `drained`). */
  signal: AbortSignal;
  /** True when the signal fired because the runner is going away: the job is handed back. */
  drained(): boolean;
  /** True when the signal fired because the job's lock was lost: it may run elsewhere, nothing more is reported. */
  lockLost(): boolean;
  /** Where a finished job's artifacts are uploaded (`--artifact-registry`); absent: they stay on this host. */
  artifacts?: ArtifactUploader;
  /**
   * Takes a reported job's teardown (containers, network, disk), which runs on after the call
   * resolves so the slot takes its next job; the caller awaits these before it stops.
   */
  behind(teardown: Promise<unknown>): void;
}

/**
 * Runs one BullMQ job of a label queue to its end and reports it. The QueuedJob is validated
 * first (invalid: UnrecoverableError, never retried). The workspace comes from the runner's
 * mirror of the clone URL (incremental fetch, under way while the executor starts the job). Reports go out in order on the report stream,
 * a few per queue job (report-batcher.ts);
 * `job-finished` only after every log line is in Redis, and only for the last attempt (sent as
 * soon as the executor knows the result; the call resolves once it is sent, and the job's
 * teardown, still under way, is handed to `deps.behind`): a temporary failure (registry or
 * server unreachable) throws so BullMQ retries it with backoff.
 * A job the runner gives up while draining goes back to its queue without a report; one whose
 * lock was lost stops without one (BullMQ took it back, another runner may hold it).
 * With `artifacts`, a job's artifacts are uploaded before `job-finished` is sent (the result
 * names them), so a server can hand them out once it sees the job finished.
 */
export async function processJob(bull: Job, token: string | undefined, deps: ProcessDeps): Promise<void> {
  const parsed = parseQueuedJob(bull.data);
  if (!parsed.ok) throw new UnrecoverableError(parsed.error);
  const job = parsed.value;
  const attempt = await beginAttempt(deps.redis, job.jobId);
  const lastAttempt = bull.attemptsMade + 1 >= (bull.opts.attempts ?? 1);
  const send = reportBatcher(deps.reports);
  /** Every report sent so far (rejects once one failed). */
  let chain: Promise<void> = Promise.resolve();
  const report = (event: Exclude<JobEvent, { type: 'log' }>) => {
    const sent = send({ version: WIRE_VERSION, jobId: job.jobId, runner: deps.name, attempt, event });
    chain = Promise.all([chain, sent]).then(() => undefined);
    return chain;
  };
  const finish = (result: JobResult) =>
    report({ version: JOB_EVENT_VERSION, jobId: job.spec.job.id, type: 'job-finished', result });
  const failed = (e: unknown) => {
    const err =
      e instanceof SlipwayError ? e : new SlipwayError((e as Error).message, { category: 'temporary' });
    return makeJobResult(job.spec.job, 'failure', {
      allowFailure: job.spec.allowFailure,
      attempts: 1,
      error: {
        message: err.message,
        category: err.category === 'temporary' ? 'temporary' : 'permanent',
        context: {},
      },
    });
  };
  if (deps.signal.aborted && !deps.drained() && !deps.lockLost())
    return finish(makeJobResult(job.spec.job, 'cancelled'));
  const lost = runnersLost(bull, job);
  if (lost !== undefined) {
    logger.warn({ job: job.jobId, lost }, 'runner lost and no retry left: the job fails');
    return finish(runnerLostResult(job.spec, lost));
  }
  const log = await deps.openLog(job.jobId);
  const say = (text: string, stream: 'stdout' | 'stderr' = 'stdout') =>
    log.write('setup', { stream, time: Date.now(), text });
  if (bull.stalledCounter > 0)
    say(
      `the runner running this job was lost; attempt ${attempt} starts anew on runner ${deps.name} (${bull.stalledCounter} of ${job.spec.retry} ${job.spec.retry === 1 ? 'retry' : 'retries'} used)`,
      'stderr',
    );
  if (job.prefer) say(preferenceNote(job.prefer, deps.name));
  const retried = (r: JobResult) =>
    r.status === 'failure' && r.error?.category === 'temporary' && !lastAttempt;
  /** The result as reported: its artifacts uploaded first, when there is somewhere to put them. */
  const final = (r: JobResult) =>
    deps.artifacts ? withUploadedArtifacts(deps.artifacts, job.jobId, r, job.spec.allowFailure, say) : r;
  /** The last attempt's report, sent as soon as its result is known (the teardown runs on). */
  let early: Promise<void> | undefined;
  let reportedEarly: () => void = () => undefined;
  const earlyStarted = new Promise<void>((resolve) => {
    reportedEarly = resolve;
  });
  const finishEarly = (r: JobResult) => {
    if (deps.drained() || deps.lockLost() || retried(r)) return;
    reportedEarly();
    // Reports keep their order in the batcher: the result need not wait for the earlier ones.
    early = (async () => {
      const reported = await final(r);
      await log.close();
      if (retried(reported)) throw new Error(reported.error?.message); // BullMQ runs it again
      await finish(reported);
    })();
    early.catch(() => undefined); // awaited below
  };
  let result: JobResult;
  try {
    const { url, commit } = job.spec.repo;
    const mirror = dataDirPaths.runnerMirror(deps.dataDir, url);
    // The executor makes the job ready (and its first container) while the commit is fetched.
    const fetched = mirrorCommit(mirror, url, commit);
    fetched.catch(() => undefined); // its error is the checkout's, reported by the executor
    const secrets = await fetchJobSecrets(job);
    const executed = deps.executorFor(secrets)(
      job.spec,
      { kind: 'mirror', mirror, commit, origin: redactUrl(url), fetched },
      {
        ...jobEvents(job.spec.job.id, (e) => {
          if (e.type !== 'log' && e.type !== 'job-finished') void report(e);
        }),
        log: (source, line) => log.write(source, line),
        logLines: (source, lines) => log.writeLines(source, lines),
        ready: () => log.ready(),
        jobFinished: finishEarly,
      },
      deps.signal,
    );
    // Reported early: the slot is free once the report is sent, the teardown runs on behind it.
    const first = await Promise.race([executed, earlyStarted]);
    if (first === undefined && early) {
      deps.behind(executed);
      return early;
    }
    result = await executed;
  } catch (err) {
    result = failed(err);
  }
  if (early) return early;
  await chain;
  if (!deps.drained() && !deps.lockLost() && !retried(result)) result = await final(result);
  await log.close();
  if (deps.drained()) return handBack(bull, token, job);
  if (deps.lockLost()) throw new LockLostError(job.jobId);
  if (retried(result)) {
    const error = result.error?.message;
    logger.warn({ job: job.jobId, attempt, error }, 'temporary failure: the job will be retried');
    throw new Error(error);
  }
  await finish(result);
}

/** The job was stopped because its lock was lost; BullMQ's own completion of it fails harmlessly. */
class LockLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: stopped on this runner, its lock was lost`);
  }
}

async function handBack(bull: Job, token: string | undefined, job: QueuedJob): Promise<never> {
  logger.info({ job: job.jobId }, 'runner stopping: the job goes back to its queue');
  await bull.moveToDelayed(Date.now(), token);
  throw new DelayedError();
}

/** What the job's log says of the runner it preferred (see RunnerPreference). */
function preferenceNote(prefer: RunnerPreference, self: string): string {
  const built = `image ${prefer.image} was built by job ${prefer.builtBy} on runner ${prefer.runner}`;
  if (prefer.runner === self) return `${built}: this job runs there too, so it needs no pull`;
  return `${built}, which did not take this job (its slots busy, draining or offline): it runs on ${self} instead`;
}
