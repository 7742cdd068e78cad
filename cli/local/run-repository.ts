import { simpleGit } from 'simple-git';
import { loadPipelines, makeEvent, type PlanEvent, planRun } from '../../pipelines/index.js';
import type { ExecutorDeps } from '../../runner/executor/index.js';
import { runExitCode, runPlanLocally } from '../../runner/executor/index.js';
import { terminalReporter } from './terminal-reporter.js';

/** What a local run plans for: `slipway exec`'s --event/--branch/--tag. */
export interface LocalEventOptions {
  event: string;
  branch?: string;
  tag?: string;
}

/** Options of one local run of a repository's pipelines. */
export interface LocalRunOptions {
  deps: ExecutorDeps;
  event: LocalEventOptions;
  /** Run only these jobs (by name or id). */
  only?: string[];
  signal?: AbortSignal;
}

export type LoadedPipelines = Awaited<ReturnType<typeof loadPipelines>>;

/** The pipeline files of the repository at `root`; undefined (after saying so) when it has none. */
export async function loadRepository(root: string): Promise<LoadedPipelines | undefined> {
  const loaded = await loadPipelines(root);
  if (loaded.length > 0) return loaded;
  console.error(`error: no .slipway.yml or .slipway/*.yml in ${root}`);
  return undefined;
}

/**
 * Plans and runs every pipeline `loaded` from the repository at `root` on the local engine, printing
 * progress and a summary per pipeline. Returns the exit code: 0 when every job passed (or failed
 * where allowed), 1 otherwise (invalid pipelines included). The caller owns the host and its lease.
 */
export async function runRepository(
  root: string,
  loaded: LoadedPipelines,
  opts: LocalRunOptions,
): Promise<number> {
  const event = await localEvent(root, opts.event);
  const reporter = terminalReporter();
  let exit = 0;
  for (const { file, result } of loaded) {
    if (!result.ok) {
      for (const e of result.errors) console.error(`${e.file}:${e.line}:${e.col}: ${e.message}`);
      exit = 1;
      continue;
    }
    const planned = planRun(result, event);
    if (!planned.ok) {
      for (const e of planned.errors) console.error(`${e.file}:${e.line}:${e.col}: ${e.message}`);
      exit = 1;
      continue;
    }
    const { plan } = planned;
    if (!plan.triggered) {
      console.log(`pipeline ${plan.pipeline} (${file}) not triggered: ${plan.reason}`);
      continue;
    }
    console.log(`pipeline ${plan.pipeline} (${file}) for ${plan.event}: ${plan.jobs.length} job(s)`);
    const results = await runPlanLocally(plan, { kind: 'dir', path: root }, opts.deps, reporter, {
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (opts.only?.length && results.length === 0) {
      console.error(
        `error: no job named ${opts.only.join(', ')} in ${plan.pipeline}; jobs: ${plan.jobs.map((j) => j.name).join(', ')}`,
      );
      exit = 1;
    }
    const code = runExitCode(results);
    console.log(`\npipeline ${plan.pipeline}: ${code === 0 ? 'passed' : 'failed'}`);
    for (const r of results)
      console.log(
        `  ${r.status.padEnd(9)} ${r.name}${r.allowedFailure ? ' (allowed)' : ''}${r.artifactsDir ? `  artifacts: ${r.artifactsDir}` : ''}`,
      );
    exit = Math.max(exit, code);
  }
  return exit;
}

async function localEvent(root: string, opts: LocalEventOptions): Promise<PlanEvent> {
  const git = simpleGit({ baseDir: root });
  const isRepo = await git.checkIsRepo().catch(() => false);
  const branch =
    opts.branch ??
    (isRepo ? (await git.revparse(['--abbrev-ref', 'HEAD']).catch(() => 'main')).trim() : 'main');
  const sha = isRepo ? (await git.revparse(['HEAD']).catch(() => '')).trim() : '';
  const kind = opts.event as PlanEvent['kind'];
  return makeEvent({
    kind,
    ...(kind === 'tag' ? { tag: opts.tag ?? '' } : { branch }),
    repo: { name: root.split('/').pop() ?? 'local', url: `file://${root}` },
    ...(sha ? { commit: { sha, message: 'local run', author: 'slipway exec' } } : {}),
    run: { id: `local-${Date.now().toString(36)}`, number: 0 },
  });
}
