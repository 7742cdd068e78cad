import { createHash } from 'node:crypto';
import { cp, mkdir, rm } from 'node:fs/promises';
import { deadline } from '../../lib/deadline.js';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { scrubTree } from '../../lib/scrub-tree.js';
import {
  type JobError,
  type JobResult,
  type JobSpec,
  makeJobResult,
  type StepResult,
} from '../../pipelines/index.js';
import { dataDirPaths } from '../data-dir.js';
import type { ImageResolver, ResolvedImage } from '../job-images.js';
import type { ImageStore, RegistrySource } from '../oci/index.js';
import { DEFAULT_JOB_DISK_BYTES, diskLimitMessage, type JobHandle, type Runtime } from '../runtime/index.js';
import { collectArtifacts } from './artifacts.js';
import { untilAborted } from './bounded.js';
import type { BuiltRefs } from './built-refs.js';
import type { ExecutorEvents } from './events.js';
import { type JobCache, resolveJobCache, shareJobCache } from './job-cache.js';
import { jobError, stoppedError } from './job-error.js';
import { MIN_MASKED_LENGTH, maskedEvents, SecretMasker } from './secret-mask.js';
import { startService } from './services.js';
import type { SharedCache } from './shared-cache.js';
import { ForwardingSink } from './sinks.js';
import { containerLimits, runStep, stepShouldRun } from './steps.js';
import { prepareWorkspace, type WorkspaceSource, workspaceMounts } from './workspace.js';

/**
 * What the executor needs from the runner host (`openRunnerHost` gives it): the data dir
 * (workspaces, caches and artifacts live under it), the store and registry (a job's `build:`)
 * and the job images.
 */
export interface ExecutorHost {
  dataDir: string;
  store: ImageStore;
  registry: RegistrySource;
  images: ImageResolver;
  /** A job's disk (workspace and container writes) where its JobSpec sets none; default 10 GiB. */
  jobDiskBytes?: number;
  /** Image refs built by jobs on this host (`build:`), so a later job's log says it found one here; see builtRefs. */
  built?: BuiltRefs;
}

/** The executor's dependencies: a host, its opened runtime, and per-run settings. */
export interface ExecutorDeps {
  host: ExecutorHost;
  runtime: Runtime;
  /** Secret values by name; only names listed in the JobSpec's `secrets` are read. */
  secret?(name: string): string | undefined;
  /** Keep the workspace dir after the job (for debugging); default false. */
  keepWorkspace?: boolean;
  /** Limit of one job's artifacts by apparent size (`--artifacts-limit`); default 1 GiB. */
  artifactsLimitBytes?: number;
  /** Where job caches are shared with other runners (`--cache-registry`); default: this host only. */
  sharedCache?: SharedCache;
}

/**
 * Runs one JobSpec to completion: workspace, cache, network, services (awaited), steps in order
 * (`when.status`, retries, timeouts), artifacts, then tears everything down on every path.
 * A failed job (not cancelled or timed out, and not `allow_failure`) runs again from a fresh
 * workspace, network and services up to `spec.retry` times; each attempt gets the full
 * `timeoutMs`, and the result is the last attempt's with `attempts` counting them all.
 * Never throws for job failures: the JobResult says what happened. `signal` cancels the job.
 * The job's timeout and `signal` bound every phase (workspace, cache key, services, steps,
 * build, artifacts): a phase that does not stop by itself is abandoned after a short grace.
 * The values of the job's granted secrets are masked (`***`) in every log line, step result and
 * the JobResult, before anything leaves the executor (see SecretMasker).
 */
export async function executeJob(
  spec: JobSpec,
  source: WorkspaceSource,
  deps: ExecutorDeps,
  unmasked: ExecutorEvents,
  signal?: AbortSignal,
): Promise<JobResult> {
  const started = Date.now();
  const secrets = grantedSecrets(spec, deps);
  const masker = new SecretMasker(Object.values(secrets));
  const events = maskedEvents(unmasked, masker);
  for (let attempt = 1; ; attempt++) {
    const { result, cleanup } = await executeAttempt(
      spec,
      source,
      deps,
      events,
      attempt,
      { secrets, masker },
      signal,
    );
    const again = result.status === 'failure' && !spec.allowFailure && attempt <= spec.retry;
    if (!again || signal?.aborted) {
      const final = masker.result({ ...result, durationMs: Date.now() - started });
      // Reported before the teardown ends (a run shows its end sooner); returned after it.
      events.jobFinished?.(final);
      await cleanup;
      return final;
    }
    await cleanup;
    events.log('setup', {
      stream: 'stdout',
      time: Date.now(),
      text: `job ${spec.job.name} failed on attempt ${attempt} of ${spec.retry + 1}${result.error ? ` (${result.error.message})` : ''}; retrying from a fresh workspace`,
    });
  }
}

/** The values of the secrets `spec` lists that `deps` has, by name. */
function grantedSecrets(spec: JobSpec, deps: ExecutorDeps): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of spec.secrets) {
    const value = deps.secret?.(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * One attempt of a job; see executeJob. Reports jobStarted but leaves jobFinished to the
 * caller. Resolves with the result once it is known, and `cleanup`, the job's teardown
 * (containers, network, images held, workspace) then under way; it never rejects.
 */
async function executeAttempt(
  spec: JobSpec,
  source: WorkspaceSource,
  deps: ExecutorDeps,
  events: ExecutorEvents,
  attempt: number,
  { secrets, masker }: { secrets: Record<string, string>; masker: SecretMasker },
  signal?: AbortSignal,
): Promise<{ result: JobResult; cleanup: Promise<void> }> {
  const started = Date.now();
  const jobKey = `${spec.run.id}-${createHash('sha256').update(`${spec.run.id}/${spec.job.id}`).digest('hex').slice(0, 10)}`;
  const safeKey = jobKey.replace(/[^A-Za-z0-9_.-]/g, '_').slice(-40);
  // The workspace is on the job's disk (the runtime's handle.workDir); kept here on request.
  const keptWorkspaceDir = dataDirPaths.workspace(deps.host.dataDir, safeKey);
  let workspaceDir = keptWorkspaceDir;
  const jobDeadline = deadline(spec.timeoutMs, ...(signal ? [signal] : []));
  const jobSignal = jobDeadline.signal;
  const bounded = <T>(work: Promise<T>) => untilAborted(jobSignal, work);
  const setup = new ForwardingSink(events, 'setup', masker);
  const say = (text: string) => setup.write({ stream: 'stdout', time: Date.now(), text });
  const held: ResolvedImage[] = [];
  const cachedImages = new Map<string, Promise<ResolvedImage>>();
  const image = (ref: string) => {
    let p = cachedImages.get(ref);
    if (!p) {
      const asked = Date.now();
      p = deps.host.images.resolve(ref).then((img) => {
        held.push(img);
        if (img.pulled)
          say(`image ${img.ref}: pulled from its registry in ${((Date.now() - asked) / 1000).toFixed(1)} s`);
        else if (deps.host.built?.has(img.ref))
          say(`image ${img.ref}: built on this runner by an earlier job, no pull`);
        return img;
      });
      cachedImages.set(ref, p);
    }
    return p;
  };
  const steps: StepResult[] = [];
  let handle: JobHandle | undefined;
  let error: JobError | undefined;
  let artifacts: string[] = [];
  let builtImage: JobResult['image'];
  const artifactsDir = dataDirPaths.artifacts(deps.host.dataDir, safeKey);
  events.jobStarted?.(spec, attempt);
  let cacheDir: string | undefined;
  let jobCache: JobCache | undefined;
  let early: ReturnType<typeof runStep> | undefined;
  try {
    await rm(keptWorkspaceDir, { recursive: true, force: true });
    await rm(artifactsDir, { recursive: true, force: true });
    const diskBytes = spec.resources?.diskBytes ?? deps.host.jobDiskBytes ?? DEFAULT_JOB_DISK_BYTES;
    handle = await bounded(deps.runtime.prepareJob({ id: safeKey, network: 'bridge', diskBytes }));
    workspaceDir = handle.workDir ?? workspaceDir;
    // The images of the services and the first step resolve while the source is checked out
    // (each is resolved once; a failure surfaces where the image is used).
    for (const ref of [...spec.services.map((s) => s.image), spec.steps[0]?.image])
      if (ref) image(ref).catch(() => {});
    await mkdir(workspaceDir, { recursive: true });
    const filled = bounded(prepareWorkspace(source, workspaceDir)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOSPC' && !/No space left on device/.test(err.message)) throw err;
      throw new SlipwayError(`the source does not fit in the job's disk: ${diskLimitMessage(diskBytes)}`, {
        category: 'permanent',
        cause: err,
      });
    });
    const env: Record<string, string> = { ...spec.env, ...secrets };
    if (masker.skipped)
      say(`${masker.skipped} secret(s) shorter than ${MIN_MASKED_LENGTH} characters are not masked in logs`);
    const extraHosts: Array<{ name: string; ip: string }> = [];
    const mounts = [
      { type: 'bind' as const, source: workspaceDir, target: spec.workspace },
      ...workspaceMounts(source),
    ];
    const ctx = {
      runtime: deps.runtime,
      job: handle,
      spec,
      events,
      env,
      mounts,
      extraHosts,
      image: (ref: string) => bounded(image(ref)),
      masker,
      signal: jobSignal,
    };
    // With nothing else to wait for (no service, no cache), the first step's container is made
    // while the source is checked out; its process starts once the workspace is filled.
    const [first] = spec.steps;
    early =
      first && spec.services.length === 0 && !spec.cache && stepShouldRun(first, false)
        ? runStep(ctx, first, 0, { startAfter: filled })
        : undefined;
    const workspace = await filled;
    const cache = await bounded(resolveJobCache(spec, workspaceDir, deps.host.dataDir, deps.sharedCache));
    if (cache?.sharedError)
      say(`cache ${cache.key}: the shared cache could not be read: ${cache.sharedError}`);
    if (cache) say(`cache ${cache.key}${cache.restoredFrom ? ` (restored from ${cache.restoredFrom})` : ''}`);
    jobCache = cache;
    cacheDir = cache?.dir;
    mounts.push(...(cache?.mounts ?? []));
    for (const svc of spec.services) {
      say(`starting service ${svc.name} (${svc.image})`);
      const svcHandle = await startService(
        deps.runtime,
        handle,
        svc,
        await bounded(image(svc.image)),
        spec.env,
        new ForwardingSink(events, `service:${svc.name}`, masker),
        spec.resources ? containerLimits(spec.resources) : undefined,
        jobSignal,
      );
      if (svcHandle.ip) extraHosts.push({ name: svc.name, ip: svcHandle.ip });
      say(`service ${svc.name} is ready`);
    }
    let failed = false;
    for (const [i, step] of spec.steps.entries()) {
      if (jobSignal.aborted || !stepShouldRun(step, failed)) {
        const skipped: StepResult = {
          name: step.name,
          status: jobSignal.aborted ? 'cancelled' : 'skipped',
          attempts: 0,
          durationMs: 0,
        };
        steps.push(skipped);
        events.stepFinished?.(step, skipped);
        continue;
      }
      const { result, setupError } = await (i === 0 && early ? early : runStep(ctx, step, i));
      if (setupError && !error) error = setupError;
      steps.push(result);
      events.stepFinished?.(step, result);
      if (result.status !== 'success') failed = true;
    }
    // What the steps left in the cache is shared once they all passed (the host's copy stays).
    if (jobCache && deps.sharedCache && !failed && !jobSignal.aborted)
      await bounded(shareJobCache(deps.sharedCache, jobCache, say));
    if (spec.build && !failed && !jobSignal.aborted) {
      const { buildForJob } = await import('./build-step.js');
      await bounded(workspace.selfContained()); // the build context is read where no mirror is mounted
      const buildLog = new ForwardingSink(events, 'build', masker);
      const built = await bounded(
        buildForJob({
          build: spec.build,
          cacheScope: `repo:${spec.repo.url}`,
          workspaceDir,
          env,
          host: { ...deps.host, runtime: async () => deps.runtime },
          log: (line) => buildLog.write(line),
          signal: jobSignal,
        }),
      );
      builtImage = { digest: built.manifestDigest, refs: built.refs, pushed: built.pushed };
      for (const ref of built.refs) deps.host.built?.add(ref);
    }
    if (!jobSignal.aborted)
      artifacts = await bounded(
        collectArtifacts(workspaceDir, spec.artifacts, artifactsDir, {
          ...(deps.artifactsLimitBytes === undefined ? {} : { limitBytes: deps.artifactsLimitBytes }),
          signal: jobSignal,
        }),
      );
  } catch (err) {
    // once the job is stopped, what fails next is a consequence: the result says "timed out"/"cancelled"
    if (!jobSignal.aborted) error = masker.error(jobError(err));
    log.warn({ job: spec.job.name, error }, 'job setup failed');
  }
  // The result is known now; the teardown runs while it is reported (the caller awaits both).
  const cleanup = (async () => {
    if (deps.keepWorkspace && workspaceDir !== keptWorkspaceDir)
      await cp(workspaceDir, keptWorkspaceDir, { recursive: true, verbatimSymlinks: true }).catch(() => {});
    await early; // a refused or cancelled early step ends by itself (runStep never rejects)
    if (handle) await deps.runtime.destroyJob(handle).catch((err) => log.error({ err }, 'destroyJob failed'));
    await Promise.allSettled(cachedImages.values()); // a resolve still under way holds its image too
    for (const img of held) await img.release().catch(() => {});
    // The cache outlives the job: nothing a step planted in it may run as root or open a device.
    if (cacheDir) scrubTree(cacheDir);
    // A workspace on the job's disk goes with it (a recycled environment's fresh disk has the same path).
    if (!deps.keepWorkspace && workspaceDir !== handle?.workDir)
      await rm(workspaceDir, { recursive: true, force: true }).catch(() => {});
  })();
  const cancelled = jobSignal.aborted;
  jobDeadline.dispose();
  const failed = error !== undefined || steps.some((s) => s.status === 'failure');
  const status = cancelled ? 'cancelled' : failed ? 'failure' : 'success';
  const result = makeJobResult(spec.job, status, {
    allowFailure: spec.allowFailure,
    attempts: attempt,
    steps,
    durationMs: Date.now() - started,
    artifacts,
    ...(artifacts.length ? { artifactsDir } : {}),
    ...(builtImage ? { image: builtImage } : {}),
    // Past its timeout or cancelled, that is the reason, whatever the phase it cut threw.
    ...(cancelled
      ? { error: stoppedError(signal?.aborted === true, spec.timeoutMs) }
      : error
        ? { error }
        : {}),
  });
  return { result, cleanup };
}
