import { z } from 'zod';
import { cacheKeyHashFiles } from './cache-key.js';
import {
  absolutePath,
  boolean,
  duration,
  ENV_NAME,
  envMap,
  glob,
  image,
  listOf,
  name,
  relativePath,
  retry,
  scalarString,
  strict,
  template,
  user,
  workdir,
} from './common.js';
import { cpusProblem, diskLimit, memoryLimit, pidsProblem, SIZE_HINT } from './resources.js';

/** `when`: conditions on a job or step. `status` is decided at run time, the rest at plan time. */
export const STATUSES = ['success', 'failure', 'always'] as const;
export const EVENT_KINDS = ['push', 'pull_request', 'tag', 'manual'] as const;

const pathFilter = z.preprocess(
  (v) => (typeof v === 'string' || Array.isArray(v) ? { include: v } : v),
  strict({ include: listOf(glob).optional(), exclude: listOf(glob).optional() }),
);

export const WhenSchema = strict({
  branch: listOf(glob).optional(),
  tag: listOf(glob).optional(),
  event: listOf(z.enum(EVENT_KINDS, { error: `expected an event: ${EVENT_KINDS.join(', ')}` })).optional(),
  path: pathFilter.optional(),
  status: listOf(z.enum(STATUSES, { error: `expected a status: ${STATUSES.join(', ')}` })).optional(),
});

/** `on`: which events start the pipeline. Absent means every event. */
const emptyIsAll = (v: unknown) => (v === null || v === true ? {} : v);
const PushTrigger = z.preprocess(
  emptyIsAll,
  strict({
    branches: listOf(glob).optional(),
    tags: listOf(glob).optional(),
    paths: listOf(glob).optional(),
    'paths-ignore': listOf(glob).optional(),
  }),
);
const PullRequestTrigger = z.preprocess(
  emptyIsAll,
  strict({
    branches: listOf(glob).optional(),
    paths: listOf(glob).optional(),
    'paths-ignore': listOf(glob).optional(),
  }),
);
export const TriggersSchema = z.preprocess(
  (v) => {
    const names = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return v;
    return Object.fromEntries(names.map((n) => [n, {}]));
  },
  strict({
    push: PushTrigger.optional(),
    pull_request: PullRequestTrigger.optional(),
    manual: z.preprocess(emptyIsAll, strict({})).optional(),
  }),
);

const disk = z.union([z.string(), z.number()], { error: `expected ${SIZE_HINT}` }).superRefine((v, ctx) => {
  const r = diskLimit(v);
  if ('problem' in r) ctx.addIssue({ code: 'custom', message: r.problem });
});

/** `resources` of a step: limits of its container (per field; `disk` is the job's only). */
export const StepResourcesSchema = strict({
  memory: z
    .union([z.string(), z.number()], { error: `expected ${SIZE_HINT}` })
    .superRefine((v, ctx) => {
      const r = memoryLimit(v);
      if ('problem' in r) ctx.addIssue({ code: 'custom', message: r.problem });
    })
    .optional(),
  cpus: z
    .number({ error: 'expected a number of CPUs, like 1 or 1.5' })
    .superRefine((n, ctx) => {
      const problem = cpusProblem(n);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  pids: z
    .number({ error: 'expected a process limit, like 256' })
    .superRefine((n, ctx) => {
      const problem = pidsProblem(n);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  disk: z
    .unknown()
    .superRefine((_, ctx) =>
      ctx.addIssue({
        code: 'custom',
        message: "disk is shared by the job's workspace and containers: set it in the job's resources",
      }),
    )
    .optional(),
});

/**
 * `resources` of a job: limits of its containers (steps and services), and `disk`, the size of
 * the job's own filesystem (its workspace and every container's writes).
 */
export const ResourcesSchema = StepResourcesSchema.extend({ disk: disk.optional() });

/** `network` of a step: `job` (default) joins the job network; `none` gives it only loopback. */
export const STEP_NETWORKS = ['job', 'none'] as const;

/** A service container started before the steps and reachable by its name. */
const serviceFields = {
  image,
  env: envMap.optional(),
  command: z
    .union([z.string(), z.array(z.string())], { error: 'expected a command string or a list of arguments' })
    .optional(),
  ready: strict({
    command: z.string({ error: 'expected a command string' }).optional(),
    port: z
      .number({ error: 'expected a TCP port number' })
      .int()
      .min(1)
      .max(65535, { error: 'port must be 1-65535' })
      .optional(),
    timeout: duration.optional(),
  })
    .refine((r) => (r.command === undefined) !== (r.port === undefined), {
      error: 'ready needs exactly one of "command" or "port"',
    })
    .optional(),
};
export const ServiceSchema = strict(serviceFields);
export const InlineServiceSchema = strict({ name: name('service'), ...serviceFields });

export const StepSchema = strict({
  name: z.string({ error: 'expected a step name' }).min(1, { error: 'step name is empty' }).optional(),
  image: image.optional(),
  run: z.string({ error: 'expected a script (run)' }),
  env: envMap.optional(),
  user: user.optional(),
  workdir: workdir.optional(),
  timeout: duration.optional(),
  retry: retry.optional(),
  when: WhenSchema.optional(),
  resources: StepResourcesSchema.optional(),
  network: z.enum(STEP_NETWORKS, { error: `expected a network: ${STEP_NETWORKS.join(', ')}` }).optional(),
});

export const BuildSchema = strict({
  context: relativePath('build context').optional(),
  dockerfile: relativePath('dockerfile path').optional(),
  target: z.string({ error: 'expected a build stage name' }).optional(),
  args: z
    .record(z.string().regex(ENV_NAME, { error: 'invalid build arg name' }), scalarString.pipe(template()))
    .optional(),
  tags: listOf(image).optional(),
  push: boolean('push').optional(),
  cache: strict({ from: listOf(image).optional(), to: image.optional() }).optional(),
});

export const CacheSchema = strict({
  key: template('a cache key').superRefine((k, ctx) => {
    const r = cacheKeyHashFiles(k);
    if ('problem' in r) ctx.addIssue({ code: 'custom', message: r.problem });
  }),
  paths: listOf(relativePath('cache path')).refine((p) => p.length > 0, {
    error: 'cache needs at least one path',
  }),
});

export const MatrixSchema = z
  .object(
    {
      include: z
        .array(z.record(z.string(), scalarString), { error: 'expected a list of axis values' })
        .optional(),
      exclude: z
        .array(z.record(z.string(), scalarString), { error: 'expected a list of axis values' })
        .optional(),
    },
    { error: 'expected a mapping of axes to lists of values' },
  )
  .catchall(
    z
      .array(scalarString, { error: 'a matrix axis must be a list of values' })
      .min(1, { error: 'a matrix axis needs at least one value' }),
  );

export const JobSchema = strict({
  image: image.optional(),
  'runs-on': listOf(z.string({ error: 'expected a runner label' })).optional(),
  needs: listOf(z.string({ error: 'expected a job name' })).optional(),
  when: WhenSchema.optional(),
  matrix: MatrixSchema.optional(),
  env: envMap.optional(),
  secrets: listOf(
    z.string().regex(ENV_NAME, { error: 'invalid secret name: use letters, digits and "_"' }),
  ).optional(),
  services: z
    .array(
      z.union([name('service'), InlineServiceSchema], {
        error: 'expected a service name or an inline service',
      }),
    )
    .optional(),
  steps: z.array(StepSchema, { error: 'expected a list of steps' }).optional(),
  build: BuildSchema.optional(),
  cache: CacheSchema.optional(),
  artifacts: listOf(relativePath('artifact path')).optional(),
  timeout: duration.optional(),
  retry: retry.optional(),
  allow_failure: boolean('allow_failure').optional(),
  workspace: absolutePath('workspace').optional(),
  resources: ResourcesSchema.optional(),
});
