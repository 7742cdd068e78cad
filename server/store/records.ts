import { z } from 'zod';
import {
  JobErrorSchema,
  JobSpecSchema,
  RunnerPreferenceSchema,
  StepResultSchema,
  StoredArtifactsSchema,
} from '../../pipelines/index.js';
import { validatedOnce } from './validated-once.js';

/**
 * The records the server keeps in Redis, as JSON validated with these schemas on every read.
 * Secret material (webhook secret, status token, secret values) is never in them: those live
 * encrypted in their own keys (see repos.ts) and never leave through the API.
 */

export const ForgeSchema = z.enum(['github', 'gitlab', 'gitea']);
export type Forge = z.infer<typeof ForgeSchema>;

/** A registered repository, as the API shows it. `fullName` is `owner/name` (GitLab: the path with namespace). */
export const RepoSchema = z.strictObject({
  fullName: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/),
  forge: ForgeSchema,
  /** The only URL the server fetches from (never one found in a payload). */
  cloneUrl: z.string().min(1),
  /** The forge's API base for commit statuses (absent: the forge's public default; gitea needs one). */
  apiUrl: z.string().optional(),
  /** Public repositories' runs and logs are readable without a token. */
  public: z.boolean(),
  defaultBranch: z.string().min(1),
  /** Whether a webhook secret / status token is set (their values are never shown). */
  hasWebhookSecret: z.boolean(),
  hasStatusToken: z.boolean(),
  /** Names of the repository's secrets (values are never shown). */
  secretNames: z.array(z.string()),
  createdAt: z.number(),
});
export type Repo = z.infer<typeof RepoSchema>;

export const RunStatusSchema = z.enum(['pending', 'running', 'success', 'failure', 'cancelled', 'error']);
export type RunStatus = z.infer<typeof RunStatusSchema>;
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'failure', 'cancelled', 'error'];

export const JobStateSchema = z.enum([
  'waiting',
  'queued',
  'running',
  'success',
  'failure',
  'skipped',
  'cancelled',
]);
export type JobState = z.infer<typeof JobStateSchema>;
export const FINAL_JOB_STATES: readonly JobState[] = ['success', 'failure', 'skipped', 'cancelled'];

/** What started a run, for display and re-runs (the PlanEvent minus the run numbering). */
export const RunTriggerSchema = z.strictObject({
  kind: z.enum(['push', 'pull_request', 'manual', 'tag']),
  branch: z.string().optional(),
  tag: z.string().optional(),
  commit: z.strictObject({ sha: z.string().min(1), message: z.string(), author: z.string() }),
  changedPaths: z.array(z.string()).optional(),
  pullRequest: z.strictObject({ number: z.number().int().positive(), targetBranch: z.string() }).optional(),
  /** A pull request whose head lives in another repository: its jobs get no secrets. */
  fromFork: z.boolean(),
  /** The webhook delivery that started it, when one did. */
  deliveryId: z.string().optional(),
});
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

/** A positioned pipeline problem (file:line:col) or a plain one (line 0) such as a failed fetch. */
export const RunProblemSchema = z.strictObject({
  file: z.string(),
  line: z.number().int().nonnegative(),
  col: z.number().int().nonnegative(),
  message: z.string(),
});

/** One run: one pipeline file planned for one event. Run numbers count per repository from 1. */
export const RunRecordSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{4,32}$/),
  repo: z.string().min(1),
  number: z.number().int().positive(),
  pipeline: z.string(),
  file: z.string(),
  status: RunStatusSchema,
  trigger: RunTriggerSchema,
  /** Global job ids, in plan order. */
  jobs: z.array(z.string()),
  /** Why the run is `error` (invalid pipeline, unreachable commit). */
  problems: z.array(RunProblemSchema),
  /** The run this one re-runs, when it does. */
  rerunOf: z.string().optional(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** A step as the API shows it: the runner's result once it ended, `running` while it runs. */
export const StepRecordSchema = z.strictObject({
  name: z.string(),
  status: z.enum(['waiting', 'running', 'success', 'failure', 'skipped', 'cancelled']),
  attempt: z.number().int().nonnegative(),
  startedAt: z.number().optional(),
  result: StepResultSchema.optional(),
});
export type StepRecord = z.infer<typeof StepRecordSchema>;

/** One job of a run. `planId` is its id in the plan (what `needs` names); `id` is global. */
export const JobRecordSchema = z.strictObject({
  id: z.string(),
  runId: z.string(),
  planId: z.string(),
  name: z.string(),
  /** Its DAG layer in the plan (0: needs nothing). */
  layer: z.number().int().nonnegative(),
  state: JobStateSchema,
  /** Checked in full once per spec object (validatedOnce): every report rewrites the record. */
  spec: validatedOnce(JobSpecSchema),
  steps: z.array(StepRecordSchema),
  /** The runner that took it (last attempt). */
  runner: z.string().optional(),
  /** Attempts begun (BullMQ attempts plus the executor's own retries count once each). */
  attempts: z.number().int().nonnegative(),
  allowedFailure: z.boolean(),
  error: JobErrorSchema.optional(),
  image: z.strictObject({ digest: z.string(), refs: z.array(z.string()), pushed: z.boolean() }).optional(),
  /** Workspace-relative paths of the artifacts the job kept, once it finished with any. */
  artifacts: z.array(z.string()).optional(),
  /** Those artifacts in the shared artifact registry, when its runner uploaded them (`GET /api/jobs/{id}/artifacts/…`). */
  artifactsStored: StoredArtifactsSchema.optional(),
  /** Set on a job a failed-jobs re-run carried over: the id of the job whose result it shows (never executed again). */
  reusedFrom: z.string().optional(),
  queuedAt: z.number().optional(),
  /** The runner it was queued preferring (it built the job's image in this run), until `until`. */
  prefer: RunnerPreferenceSchema.optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;
