import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../../pipelines/index.js';
import { encodeJson, readJson, readJsonMany, updateJson } from './json-keys.js';
import { keys } from './keys.js';
import {
  FINAL_JOB_STATES,
  type JobRecord,
  JobRecordSchema,
  type RunRecord,
  RunRecordSchema,
  type RunStatus,
  type RunTrigger,
} from './records.js';

/** Records are stored compressed once final (see encodeJson): what stays in Redis of a run. */
const runSettled = (run: RunRecord) => run.finishedAt !== undefined;
const jobSettled = (job: JobRecord) => FINAL_JOB_STATES.includes(job.state);

/** A new run's id: 12 random base-36 characters (unguessable, URL- and key-safe). */
export function newRunId(): string {
  const bytes = randomBytes(12);
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}

/** The next run number of a repository (1, 2, …; never reused, even when a run is not stored). */
export async function nextRunNumber(redis: Redis, repo: string): Promise<number> {
  return redis.incr(keys.runNumber(repo));
}

export interface NewRun {
  id: string;
  repo: string;
  number: number;
  pipeline: string;
  file: string;
  status: RunStatus;
  trigger: RunTrigger;
  problems: RunRecord['problems'];
  rerunOf?: string;
  /** The planned jobs in plan order; they start `waiting`. */
  jobs: { planId: string; name: string; layer: number; spec: JobSpec }[];
}

/**
 * Stores a new run and its jobs in one transaction (global job ids `<run id>-<n>`), listed
 * among the active runs unless it is an `error` run. Storing the same run id twice leaves the
 * first one: the run key is written only if absent.
 */
export async function createRun(redis: Redis, run: NewRun): Promise<RunRecord> {
  const now = Date.now();
  const jobs: JobRecord[] = run.jobs.map((j, i) => ({
    id: `${run.id}-${i}`,
    runId: run.id,
    planId: j.planId,
    name: j.name,
    layer: j.layer,
    state: 'waiting',
    spec: j.spec,
    steps: j.spec.steps.map((s) => ({ name: s.name, status: 'waiting', attempt: 0 })),
    attempts: 0,
    allowedFailure: false,
  }));
  const record: RunRecord = RunRecordSchema.parse({
    id: run.id,
    repo: run.repo,
    number: run.number,
    pipeline: run.pipeline,
    file: run.file,
    status: run.status,
    trigger: run.trigger,
    jobs: jobs.map((j) => j.id),
    problems: run.problems,
    ...(run.rerunOf ? { rerunOf: run.rerunOf } : {}),
    createdAt: now,
    ...(run.status === 'error' ? { finishedAt: now } : {}),
  });
  const tx = redis.multi();
  for (const j of jobs) tx.set(keys.job(j.id), encodeJson(JobRecordSchema, j, jobSettled(j)), 'NX');
  tx.set(keys.run(run.id), encodeJson(RunRecordSchema, record, runSettled(record)), 'NX');
  tx.zadd(keys.repoRuns(run.repo), run.number, run.id);
  if (run.status !== 'error') tx.sadd(keys.activeRuns, run.id);
  await tx.exec();
  return record;
}

export function getRun(redis: Redis, runId: string): Promise<RunRecord | undefined> {
  return readJson(redis, keys.run(runId), RunRecordSchema);
}

export function getJob(redis: Redis, jobId: string): Promise<JobRecord | undefined> {
  return readJson(redis, keys.job(jobId), JobRecordSchema);
}

export function getJobs(redis: Redis, jobIds: string[]): Promise<JobRecord[]> {
  return readJsonMany(redis, jobIds.map(keys.job), JobRecordSchema);
}

/** Compare-and-set of a run record (see updateJson); undefined when the run does not exist. */
export function updateRun(redis: Redis, runId: string, change: (run: RunRecord) => RunRecord | undefined) {
  return updateJson(redis, keys.run(runId), RunRecordSchema, change, runSettled);
}

/** Compare-and-set of a job record (see updateJson); undefined when the job does not exist. */
export function updateJob(redis: Redis, jobId: string, change: (job: JobRecord) => JobRecord | undefined) {
  return updateJson(redis, keys.job(jobId), JobRecordSchema, change, jobSettled);
}

/** The runs listed as active (see keys.activeRuns), in no order. */
export function activeRunIds(redis: Redis): Promise<string[]> {
  return redis.smembers(keys.activeRuns);
}

/** Takes a run off the active list once it and all its jobs are final (or it is gone). Idempotent. */
export async function forgetActiveRun(redis: Redis, runId: string): Promise<void> {
  await redis.srem(keys.activeRuns, runId);
}

export interface RunListQuery {
  branch?: string;
  status?: RunStatus;
  /** 1-based. */
  page?: number;
  perPage?: number;
}

/** A repository's runs, newest first, filtered by branch and status, one page of them. */
export async function listRuns(redis: Redis, repo: string, q: RunListQuery = {}): Promise<RunRecord[]> {
  const perPage = q.perPage ?? 20;
  const skip = ((q.page ?? 1) - 1) * perPage;
  const out: RunRecord[] = [];
  let matched = 0;
  const chunk = 100;
  for (let start = 0; out.length < perPage; start += chunk) {
    const ids = await redis.zrevrange(keys.repoRuns(repo), start, start + chunk - 1);
    if (ids.length === 0) break;
    for (const run of await readJsonMany(redis, ids.map(keys.run), RunRecordSchema)) {
      if (q.branch !== undefined && run.trigger.branch !== q.branch) continue;
      if (q.status !== undefined && run.status !== q.status) continue;
      if (matched++ < skip) continue;
      if (out.length < perPage) out.push(run);
    }
  }
  return out;
}
