import { posix } from 'node:path';
import type { SourceMap } from '../parse/source.js';
import { cacheKeyHashFiles } from '../schema/cache-key.js';
import { parseDuration } from '../schema/duration.js';
import type { InlineService, Job, Pipeline, Resources, Service } from '../schema/pipeline.js';
import { parseSize } from '../schema/resources.js';
import { matrixVariable } from '../schema/variables.js';
import {
  JOBSPEC_VERSION,
  type JobSpec,
  type ResourcesSpec,
  type ServiceSpec,
  type StepSpec,
} from '../spec/jobspec.js';
import { whenMismatch } from './conditions.js';
import type { PlanEvent } from './event.js';
import { Interpolator } from './interpolator.js';
import type { MatrixCombination } from './matrix.js';

export const DEFAULT_JOB_TIMEOUT_MS = 60 * 60 * 1000;
export const DEFAULT_READY_TIMEOUT_MS = 60 * 1000;
export const DEFAULT_WORKSPACE = '/workspace';

export interface JobInstance {
  job: string;
  id: string;
  name: string;
  combo: MatrixCombination;
  /** Every key any combination of this job's matrix has; missing ones are set to "". */
  matrixKeys: string[];
  needs: string[];
}

/** The predefined CI_* variables for one job instance (also put into its env). */
export function ciVariables(
  event: PlanEvent,
  pipeline: string,
  inst: JobInstance,
  workspace: string,
): Record<string, string> {
  const vars: Record<string, string> = {
    CI: 'true',
    CI_REPO: event.repo.name,
    CI_REPO_URL: event.repo.url,
    CI_COMMIT_SHA: event.commit.sha,
    CI_COMMIT_SHORT_SHA: event.commit.sha.slice(0, 8),
    CI_COMMIT_BRANCH: event.branch ?? '',
    CI_COMMIT_TAG: event.tag ?? '',
    CI_COMMIT_MESSAGE: event.commit.message,
    CI_COMMIT_AUTHOR: event.commit.author,
    CI_EVENT: event.kind,
    CI_RUN_ID: event.run.id,
    CI_RUN_NUMBER: String(event.run.number),
    CI_PIPELINE: pipeline,
    CI_JOB_NAME: inst.name,
    CI_WORKSPACE: workspace,
    CI_PULL_REQUEST: event.pullRequest ? String(event.pullRequest.number) : '',
  };
  for (const key of inst.matrixKeys) vars[matrixVariable(key)] = inst.combo.values[key] ?? '';
  return vars;
}

/** Builds the JobSpec of one job instance; interpolation problems land in the returned errors. */
export function buildJobSpec(
  p: Pipeline,
  pipelineName: string,
  inst: JobInstance,
  event: PlanEvent,
  source: SourceMap,
) {
  const job = p.jobs[inst.job] as Job;
  const at = ['jobs', inst.job] as const;
  const workspace = job.workspace ?? DEFAULT_WORKSPACE;
  const vars = ciVariables(event, pipelineName, inst, workspace);
  const ip = new Interpolator(vars, source, inst.name);
  const defaultImage = job.image
    ? ip.image(job.image, [...at, 'image'])
    : p.image
      ? ip.image(p.image, ['image'])
      : undefined;
  const jobResources = resourcesSpec(job.resources);
  const steps: StepSpec[] = [];
  for (const [i, step] of (job.steps ?? []).entries()) {
    if (whenMismatch(step.when, event) !== undefined) continue;
    const sAt = [...at, 'steps', i];
    const resources = mergeResources(jobResources, resourcesSpec(step.resources as Resources | undefined));
    steps.push({
      name: step.name ?? `step ${i + 1}`,
      image: step.image ? ip.image(step.image, [...sAt, 'image']) : (defaultImage ?? ''),
      run: step.run,
      env: ip.env(step.env, [...sAt, 'env']),
      ...(step.user === undefined ? {} : { user: step.user }),
      ...(step.workdir === undefined ? {} : { workdir: resolveWorkdir(workspace, step.workdir) }),
      ...(step.timeout === undefined ? {} : { timeoutMs: parseDuration(step.timeout) }),
      retry: step.retry ?? 0,
      when: { status: step.when?.status ?? ['success'] },
      ...(resources === undefined ? {} : { resources }),
      ...(step.network === 'none' ? { network: 'none' as const } : {}),
    });
  }
  const services = (job.services ?? []).map((entry, i) =>
    typeof entry === 'string'
      ? serviceSpec(entry, p.services?.[entry] as Service, ['services', entry], ip)
      : serviceSpec(entry.name, entry, [...at, 'services', i], ip),
  );
  const spec: JobSpec = {
    version: JOBSPEC_VERSION,
    run: { id: event.run.id, number: event.run.number, pipeline: pipelineName },
    job: { id: inst.id, name: inst.name },
    repo: {
      url: event.repo.url,
      commit: event.commit.sha,
      ...(event.branch === undefined ? {} : { branch: event.branch }),
      ...(event.tag === undefined ? {} : { tag: event.tag }),
      ...(event.repo.defaultBranch === undefined ? {} : { defaultBranch: event.repo.defaultBranch }),
      ...(event.pullRequest === undefined ? {} : { pullRequest: event.pullRequest.number }),
    },
    ...(defaultImage === undefined ? {} : { image: defaultImage }),
    labels: job['runs-on'] ?? [],
    workspace,
    env: { ...vars, ...ip.env(p.env, ['env']), ...ip.env(job.env, [...at, 'env']) },
    secrets: job.secrets ?? [],
    ...(jobResources === undefined ? {} : { resources: jobResources }),
    services,
    steps,
    ...(job.build ? { build: buildSpec(job.build, [...at, 'build'], ip) } : {}),
    ...(job.cache ? { cache: cacheSpec(job.cache, [...at, 'cache'], ip) } : {}),
    artifacts: job.artifacts ?? [],
    timeoutMs: job.timeout ? (parseDuration(job.timeout) ?? DEFAULT_JOB_TIMEOUT_MS) : DEFAULT_JOB_TIMEOUT_MS,
    retry: job.retry ?? 0,
    allowFailure: job.allow_failure ?? false,
    needs: inst.needs,
    when: { status: job.when?.status ?? ['success'] },
    matrix: inst.combo.values,
  };
  return { spec, errors: ip.errors };
}

type Path = readonly (string | number)[];

/** A step's workdir as the runner needs it: absolute, a relative one taken inside the workspace. */
function resolveWorkdir(workspace: string, workdir: string): string {
  return workdir.startsWith('/') ? posix.normalize(workdir) : posix.join(workspace, workdir);
}

/** The JobSpec form of a `resources` mapping (already validated by the schema); absent if empty. */
function resourcesSpec(r: Resources | undefined): ResourcesSpec | undefined {
  const out: ResourcesSpec = {};
  const memoryBytes = r?.memory === undefined ? undefined : parseSize(r.memory);
  if (memoryBytes !== undefined) out.memoryBytes = memoryBytes;
  const diskBytes = r?.disk === undefined ? undefined : parseSize(r.disk);
  if (diskBytes !== undefined) out.diskBytes = diskBytes;
  if (r?.cpus !== undefined) out.cpus = r.cpus;
  if (r?.pids !== undefined) out.pids = r.pids;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A step's limits: its own fields over the job's (whose disk is the job's alone). */
function mergeResources(job?: ResourcesSpec, step?: ResourcesSpec): ResourcesSpec | undefined {
  const { diskBytes: _, ...forSteps } = job ?? {};
  const merged = { ...forSteps, ...step };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function serviceSpec(name: string, svc: Service | InlineService, at: Path, ip: Interpolator): ServiceSpec {
  const command = typeof svc.command === 'string' ? ['/bin/sh', '-c', svc.command] : svc.command;
  const timeoutMs = svc.ready?.timeout
    ? (parseDuration(svc.ready.timeout) ?? DEFAULT_READY_TIMEOUT_MS)
    : DEFAULT_READY_TIMEOUT_MS;
  const ready =
    svc.ready?.command !== undefined
      ? { command: svc.ready.command, timeoutMs }
      : svc.ready?.port !== undefined
        ? { port: svc.ready.port, timeoutMs }
        : undefined;
  return {
    name,
    image: ip.image(svc.image, [...at, 'image']),
    env: ip.env(svc.env, [...at, 'env']),
    ...(command === undefined ? {} : { command }),
    ...(ready === undefined ? {} : { ready }),
  };
}

function buildSpec(b: NonNullable<Job['build']>, at: Path, ip: Interpolator): NonNullable<JobSpec['build']> {
  const context = b.context ?? '.';
  return {
    context,
    dockerfile:
      b.dockerfile ?? (context === '.' ? 'Dockerfile' : `${context.replace(/\/+$/, '')}/Dockerfile`),
    ...(b.target === undefined ? {} : { target: b.target }),
    args: ip.env(b.args, [...at, 'args']),
    tags: (b.tags ?? []).map((t, i) => ip.image(t, [...at, 'tags', i])),
    push: b.push ?? false,
    cache: {
      from: (b.cache?.from ?? []).map((t, i) => ip.image(t, [...at, 'cache', 'from', i])),
      ...(b.cache?.to === undefined ? {} : { to: ip.image(b.cache.to, [...at, 'cache', 'to']) }),
    },
  };
}

function cacheSpec(c: NonNullable<Job['cache']>, at: Path, ip: Interpolator): NonNullable<JobSpec['cache']> {
  const key = ip.text(c.key, [...at, 'key']);
  const hash = cacheKeyHashFiles(key);
  return { key, paths: c.paths, hashFiles: 'globs' in hash ? hash.globs : [] };
}
