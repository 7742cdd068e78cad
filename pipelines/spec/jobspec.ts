import { z } from 'zod';
import {
  MAX_CPUS,
  MAX_DISK_BYTES,
  MAX_PIDS,
  MIN_DISK_BYTES,
  MIN_MEMORY_BYTES,
  MIN_PIDS,
} from '../schema/resources.js';
import { parseVersioned } from './versioned.js';

/**
 * JobSpec: the one payload the server queues and a runner executes. It carries everything
 * needed to run a job with no pipeline YAML: all `${VAR}` are already interpolated, the matrix
 * is expanded, plan-time `when` conditions are applied (skipped steps are absent). Only
 * `when.status` remains, decided at run time from the outcome of `needs` (for the job) or of
 * the earlier steps (for a step). Validate with parseJobSpec when queuing and when taking a job.
 *
 * Versioning: `version` is bumped on any incompatible change; a runner refuses versions it
 * does not understand instead of guessing.
 */
export const JOBSPEC_VERSION = 1 as const;

const name = z.string().min(1);
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string());
const relative = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
    error: 'must be a relative path without ".."',
  });
const status = z.array(z.enum(['success', 'failure', 'always'])).min(1);
const duration = z.number().int().positive();

/**
 * Limits of a container (per field; absent fields fall back to the runner's defaults). Bytes,
 * cores and a process count, already checked against the pipeline language's bounds.
 */
export const ResourcesSpecSchema = z.strictObject({
  memoryBytes: z.number().int().min(MIN_MEMORY_BYTES).optional(),
  cpus: z.number().positive().max(MAX_CPUS).optional(),
  pids: z.number().int().min(MIN_PIDS).max(MAX_PIDS).optional(),
  /** The job's disk (its workspace and every container's writes); on the job's resources only. */
  diskBytes: z.number().int().min(MIN_DISK_BYTES).max(MAX_DISK_BYTES).optional(),
});

/** A service container: started before the steps, reachable from steps by `name`. */
export const ServiceSpecSchema = z.strictObject({
  name,
  image: name,
  env: envMap,
  /** argv replacing the image's command; a YAML string becomes ["/bin/sh", "-c", string]. */
  command: z.array(z.string()).optional(),
  /** Readiness check the runner waits for (up to `timeoutMs`) before the first step. */
  ready: z
    .union([
      z.strictObject({ command: z.string().min(1), timeoutMs: duration }),
      z.strictObject({ port: z.number().int().min(1).max(65535), timeoutMs: duration }),
    ])
    .optional(),
});

/** One step: `run` is executed with `sh -e` in `image`, the workspace mounted at the job's `workspace`. */
export const StepSpecSchema = z.strictObject({
  name,
  image: name,
  run: z.string(),
  /** Step env only; the runner layers it over the job's `env`. */
  env: envMap,
  user: z.string().optional(),
  /** Absolute, without ".." (the planner resolves a relative one against the workspace). */
  workdir: z
    .string()
    .refine((p) => p.startsWith('/') && !p.split('/').includes('..'), {
      error: 'must be an absolute path without ".."',
    })
    .optional(),
  timeoutMs: duration.optional(),
  retry: z.number().int().min(0).max(10),
  /** Runs when the job so far has this status (`success` = no earlier step failed). */
  when: z.strictObject({ status }),
  /** The step's limits, the job's `resources` already merged in (absent: runner defaults). */
  resources: ResourcesSpecSchema.optional(),
  /** 'none': the step gets its own empty network namespace (no services, no outside). */
  network: z.literal('none').optional(),
});

/** An image build from a Dockerfile in the workspace, run after the steps. */
export const BuildSpecSchema = z.strictObject({
  context: relative,
  dockerfile: relative,
  target: z.string().optional(),
  args: z.record(z.string(), z.string()),
  tags: z.array(name),
  push: z.boolean(),
  cache: z.strictObject({ from: z.array(name), to: name.optional() }),
});

export const JobSpecSchema = z.strictObject({
  version: z.literal(JOBSPEC_VERSION),
  run: z.strictObject({ id: name, number: z.number().int().nonnegative(), pipeline: name }),
  job: z.strictObject({ id: name, name }),
  repo: z.strictObject({
    url: z.string(),
    commit: z.string().min(1),
    branch: z.string().optional(),
    tag: z.string().optional(),
    /** The repository's default branch (absent: "main"); job caches of other refs may read its cache. */
    defaultBranch: z.string().min(1).optional(),
    /** Set for pull request jobs: the number; such a job's cache is its own, never the branch's. */
    pullRequest: z.number().int().positive().optional(),
  }),
  /** The job's default image (steps carry their resolved image); absent for build-only jobs. */
  image: name.optional(),
  /** Runner labels (`runs-on`): a runner takes the job only if it has every label. */
  labels: z.array(name),
  /** Where the checked-out repository is mounted in every step container. */
  workspace: z.string().startsWith('/'),
  /** CI_* variables, pipeline env and job env, interpolated. */
  env: envMap,
  /** Names of secrets the job may receive; values are never in the spec. */
  secrets: z.array(name),
  /** The job's limits: its services get them; steps carry their own merged copy. */
  resources: ResourcesSpecSchema.optional(),
  services: z.array(ServiceSpecSchema),
  steps: z.array(StepSpecSchema),
  build: BuildSpecSchema.optional(),
  /** Restored before and saved after the steps. `key` may still hold `{{ hashFiles "…" }}` blocks. */
  cache: z
    .strictObject({ key: name, paths: z.array(relative).min(1), hashFiles: z.array(z.string()) })
    .optional(),
  /** Workspace globs kept after the job. */
  artifacts: z.array(relative),
  timeoutMs: duration,
  retry: z.number().int().min(0).max(10),
  allowFailure: z.boolean(),
  /** Job ids that must finish first. */
  needs: z.array(name),
  /** Runs when its needs ended with this status (`success` = all of them succeeded). */
  when: z.strictObject({ status }),
  /** The matrix values of this job (axis → value); empty without a matrix. */
  matrix: z.record(z.string(), z.string()),
});

export type JobSpec = z.infer<typeof JobSpecSchema>;
export type StepSpec = z.infer<typeof StepSpecSchema>;
export type ServiceSpec = z.infer<typeof ServiceSpecSchema>;
export type BuildSpec = z.infer<typeof BuildSpecSchema>;
export type ResourcesSpec = z.infer<typeof ResourcesSpecSchema>;

export type JobSpecResult = { ok: true; spec: JobSpec } | { ok: false; error: string };

/**
 * Validates a JobSpec from JSON text or an already-parsed value. Never throws. The error names
 * the field path (`steps[1].timeoutMs: …`) or the unsupported version.
 */
export function parseJobSpec(input: string | unknown): JobSpecResult {
  const r = parseVersioned(input, {
    what: 'JobSpec',
    reader: 'runner',
    version: JOBSPEC_VERSION,
    schema: JobSpecSchema,
  });
  return r.ok ? { ok: true, spec: r.value } : r;
}
