import { DelayedError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import {
  JOB_MAX_STALLED,
  KEY_PREFIX,
  PREFER_RETAKE_MS,
  RUNNER_HEARTBEAT_MS,
  type RunnerHeartbeat,
  STALLED_CHECK_MS,
  wireKeys,
} from '../../pipelines/index.js';
import type { Executor } from '../executor/index.js';
import type { ArtifactUploader } from './artifact-upload.js';
import { cancelWatcher, LOCK_LOST } from './job-control.js';
import { leaveToPreferred } from './prefer.js';
import { prefetchOnHints } from './prefetch.js';
import { type JobLog, processJob } from './process-job.js';
import { reportSender } from './reports.js';

const logger = log.child({ module: 'runner/worker' });

export interface RunnerWorkerOptions {
  redis: Redis;
  /** Unique among the runners of one Redis (the heartbeat key). */
  name: string;
  labels: string[];
  /** Jobs run at once, across every queue served. */
  concurrency: number;
  dataDir: string;
  executorFor(secrets: Record<string, string>): Executor;
  openLog(jobId: string): Promise<JobLog>;
  /** How often the label sets are re-read to find new queues (default 1 s). */
  discoverMs?: number;
  /** A running job's lock in Redis, renewed every half of it (default JOB_LOCK_MS). */
  lockMs?: number;
  /** How often this runner looks for jobs whose runner was lost (default STALLED_CHECK_MS). */
  stalledCheckMs?: number;
  /** Where finished jobs' artifacts are uploaded (`--artifact-registry`); absent: they stay on this host. */
  artifacts?: ArtifactUploader;
}

/**
 * A running job's lock: renewed every 15 s while the runner lives, however long the job runs
 * (a job of hours holds it as one of seconds does). It only has to outlast a pause of the runner
 * (a busy event loop, a slow Redis failover): 30 s is BullMQ's default and leaves 15 s of slack.
 */
export const JOB_LOCK_MS = 30_000;
/** A started runner; `stop(graceMs)` drains it (see startRunnerWorker); calling it again with 0 hands the running jobs back at once. */
export interface RunnerWorker {
  readonly running: readonly string[];
  /** Resolves once `slipway runner --drain` asked this runner to drain (the caller stops it). */
  readonly drainRequested: Promise<void>;
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts a runner: a BullMQ Worker for every label queue whose labels are all among this
 * runner's (found in `wireKeys.labelSets`, re-read every `discoverMs`), `concurrency` jobs at
 * once in all (a job taken while every slot is busy goes straight back, delayed 200 ms, and so
 * does one that prefers another runner with a slot free: leaveToPreferred), a
 * heartbeat every RUNNER_HEARTBEAT_MS, cancels honoured within about a second, pushed commits
 * fetched ahead into warm mirrors while a slot is free (prefetchOnHints). BullMQ renews
 * each job's lock while it runs; a runner killed outright leaves its jobs stalled, and BullMQ
 * gives them to another runner; a runner that finds its lock gone stops the job, silently. `drainRequested` resolves when `slipway runner --drain` asks
 * (`wireKeys.drain`, seen at a heartbeat). `stop(grace)` takes no new job, lets running ones finish for
 * up to `grace` ms, then aborts them and hands them back to their queues, and resolves once the
 * teardowns of reported jobs (which run on after a slot is free again) are done.
 */
export async function startRunnerWorker(opts: RunnerWorkerOptions): Promise<RunnerWorker> {
  const reports = reportSender(opts.redis);
  const cancels = cancelWatcher(opts.redis);
  const workers = new Map<string, { worker: Worker; connection: Redis }>();
  let draining = false;
  let stopping: Promise<void> | undefined;
  let active = 0;
  /** Teardowns of reported jobs still under way (their slots already free); stop() awaits them. */
  const behind = new Set<Promise<unknown>>();
  const keepBehind = (teardown: Promise<unknown>) => {
    const tracked = teardown
      .catch((err) => logger.error({ err }, 'a job teardown failed'))
      .finally(() => behind.delete(tracked));
    behind.add(tracked);
  };
  let askedToDrain: () => void = () => undefined;
  const drainRequested = new Promise<void>((resolve) => {
    askedToDrain = resolve;
  });
  const prefetch = prefetchOnHints(opts.redis, opts.dataDir, () => !draining && active < opts.concurrency);
  const heartbeat = async () => {
    const beat: RunnerHeartbeat = {
      name: opts.name,
      labels: opts.labels,
      concurrency: opts.concurrency,
      running: cancels.running,
      lastSeen: Date.now(),
      draining,
    };
    await opts.redis.hset(wireKeys.runners, opts.name, JSON.stringify(beat));
    if (!draining && (await opts.redis.exists(wireKeys.drain(opts.name)))) askedToDrain();
  };
  const serve = (queue: string, labels: readonly string[]) => {
    const connection = opts.redis.duplicate();
    const worker = new Worker(
      queue,
      async (bull, token) => {
        if (active >= opts.concurrency || draining) {
          await bull.moveToDelayed(Date.now() + 200, token);
          throw new DelayedError();
        }
        // Another runner built this job's image and has a slot free: it takes the job.
        if (await leaveToPreferred(opts.redis, bull.data, opts.name, labels)) {
          await bull.moveToDelayed(Date.now() + PREFER_RETAKE_MS, token);
          throw new DelayedError();
        }
        active++;
        const jobId = String(bull.id);
        const controller = await cancels.watch(jobId);
        void heartbeat().catch(() => undefined);
        try {
          await processJob(bull, token, {
            redis: opts.redis,
            name: opts.name,
            dataDir: opts.dataDir,
            reports,
            executorFor: opts.executorFor,
            openLog: opts.openLog,
            signal: controller.signal,
            drained: () => draining && controller.signal.reason?.message === 'drained',
            lockLost: () => controller.signal.reason?.message === LOCK_LOST,
            ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
            behind: keepBehind,
          });
        } finally {
          cancels.unwatch(jobId);
          active--;
          void heartbeat().catch(() => undefined);
        }
      },
      {
        connection,
        prefix: KEY_PREFIX,
        concurrency: opts.concurrency,
        lockDuration: opts.lockMs ?? JOB_LOCK_MS,
        stalledInterval: opts.stalledCheckMs ?? STALLED_CHECK_MS,
        maxStalledCount: JOB_MAX_STALLED,
      },
    );
    // The lock is gone (this runner was paused or cut off past it, and the job was taken back):
    // another runner may run the job now, so this one stops it and reports nothing more.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) {
        logger.warn(
          { job: id },
          "the job's lock was lost (this runner was paused or cut off too long): stopping it here",
        );
        cancels.abort(id, new Error(LOCK_LOST));
      }
    });
    worker.on('failed', (job, err) => logger.warn({ job: job?.id, err: err.message }, 'job attempt failed'));
    workers.set(queue, { worker, connection });
    logger.info({ queue }, 'serving queue');
  };
  const discover = async () => {
    if (draining) return;
    const sets = await opts.redis.hgetall(wireKeys.labelSets);
    for (const [queue, json] of Object.entries(sets)) {
      if (workers.has(queue)) continue;
      const labels = JSON.parse(json) as string[];
      if (labels.every((l) => opts.labels.includes(l))) serve(queue, labels);
    }
  };
  await opts.redis.del(wireKeys.drain(opts.name)); // asked of an earlier runner of this name
  await heartbeat();
  await discover();
  const timers = [
    setInterval(
      () => void heartbeat().catch((err) => logger.warn({ err }, 'heartbeat failed')),
      RUNNER_HEARTBEAT_MS,
    ),
    setInterval(
      () => void discover().catch((err) => logger.warn({ err }, 'queue discovery failed')),
      opts.discoverMs ?? 1_000,
    ),
  ];
  return {
    get running() {
      return cancels.running;
    },
    drainRequested,
    stop(graceMs) {
      if (stopping) {
        // Stopping already: a shorter grace cuts the wait (a second Ctrl-C hands jobs back now).
        if (graceMs === 0) cancels.abortAll(new Error('drained'));
        return stopping;
      }
      stopping = (async () => {
        draining = true;
        await heartbeat().catch(() => undefined);
        const grace = setTimeout(() => cancels.abortAll(new Error('drained')), graceMs);
        await Promise.all([...workers.values()].map((w) => w.worker.close()));
        clearTimeout(grace);
        await Promise.all(behind); // the job environments are whole again before the runtime closes
        for (const t of timers) clearInterval(t);
        cancels.close();
        prefetch.close();
        for (const w of workers.values()) w.connection.disconnect();
        await reports.close();
        await opts.redis.hdel(wireKeys.runners, opts.name);
        await opts.redis.del(wireKeys.drain(opts.name)); // a runner started again takes jobs
      })();
      return stopping;
    },
  };
}
