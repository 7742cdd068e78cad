import { resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { makeEvent, type PlanEvent, planRun } from '../../../pipelines/index.js';
import { loadPipelines } from '../../../pipelines/load.js';
import { dataDirPaths, defaultDataDir } from '../../../runner/data-dir.js';
import { leaseDataDir } from '../../../runner/data-dir-lease.js';
import { ImageResolver } from '../../../runner/executor/images.js';
import { runExitCode, runPlanLocally } from '../../../runner/executor/run-plan.js';
import { RegistryClient } from '../../../runner/oci/registry/client.js';
import { dataDirCredentials } from '../../../runner/oci/registry/credentials.js';
import { openImageStore } from '../../../runner/oci/store/index.js';
import { gcRuntime } from '../../../runner/runtime/gc.js';
import { createRuntime } from '../../../runner/runtime/oci-runtime.js';
import { defaultLimits } from '../../limit-options.js';
import type { ExecOptions } from './index.js';
import { formatDuration, terminalReporter } from './terminal-reporter.js';

/** Plans and runs every pipeline in `dir`; returns the process exit code (130 when cancelled by SIGINT/SIGTERM). */
export async function execCommand(dir: string, opts: ExecOptions): Promise<number> {
  const root = resolve(dir);
  const loaded = await loadPipelines(root);
  if (loaded.length === 0) {
    console.error(`error: no .slipway.yml or .slipway/*.yml in ${root}`);
    return 1;
  }
  const event = await localEvent(root, opts);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const store = await openImageStore(dataDirPaths.images(dataDir));
  const images = new ImageResolver(
    store,
    new RegistryClient({ insecure: opts.insecureRegistry ?? [], credentials: dataDirCredentials(dataDir) }),
    (ref, p) => {
      if (p.state === 'done' && p.kind === 'layer')
        console.log(`pulled ${ref} layer ${p.digest.slice(7, 19)}`);
    },
  );
  const lease = await leaseDataDir(dataDir);
  if (lease.sole) {
    const gc = await gcRuntime(dataDir);
    if (gc.containers || gc.rootfs)
      console.log(`removed ${gc.containers} container(s) left by a crashed earlier run`);
  }
  const runtime = createRuntime({
    dataDir,
    binary: opts.runtime,
    compatSyscalls: opts.compatSyscalls === true,
    ...withDefaultLimits(opts),
  });
  const secrets = secretValues(opts.secret ?? []);
  const reporter = terminalReporter();
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    console.log(`\n${sig}: cancelling the run`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let exit = 0;
  const started = Date.now();
  try {
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
      const results = await runPlanLocally(
        plan,
        { kind: 'dir', path: root },
        {
          runtime,
          images,
          dataDir,
          secret: (n) => secrets.get(n),
          keepWorkspace: opts.keepWorkspace === true,
        },
        reporter,
        { ...(opts.job ? { only: opts.job } : {}), signal: abort.signal },
      );
      if (opts.job?.length && results.length === 0) {
        console.error(
          `error: no job named ${opts.job.join(', ')} in ${plan.pipeline}; jobs: ${plan.jobs.map((j) => j.name).join(', ')}`,
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
  } finally {
    await lease.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (abort.signal.aborted) {
    console.log(`run cancelled after ${formatDuration(Date.now() - started)}`);
    return 130;
  }
  console.log(`done in ${formatDuration(Date.now() - started)}`);
  return exit;
}

function withDefaultLimits(opts: ExecOptions) {
  const limits = defaultLimits(opts);
  return limits ? { defaultLimits: limits } : {};
}

async function localEvent(root: string, opts: ExecOptions): Promise<PlanEvent> {
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

function secretValues(specs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    const name = eq === -1 ? s : s.slice(0, eq);
    const value = eq === -1 ? process.env[name] : s.slice(eq + 1);
    if (value !== undefined) out.set(name, value);
  }
  return out;
}
