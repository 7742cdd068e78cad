import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { JobSpec } from '../../pipelines/index.js';
import {
  type BuildEvent,
  type BuildHost,
  buildImage,
  cleanContextPath,
  resolveInContext,
} from '../builder/index.js';
import type { LogLine } from '../runtime/index.js';

/** What a job's `build:` produced (recorded in the JobResult). */
export interface JobImage {
  manifestDigest: string;
  /** The tags, normalised; each is set in the runner's local store (later jobs use it with no pull). */
  refs: string[];
  pushed: boolean;
}

/** SOURCE_DATE_EPOCH of a job: the env value, else the workspace's commit time, else none. */
async function sourceDateEpoch(env: Record<string, string>, workspace: string): Promise<number | undefined> {
  const v = env.SOURCE_DATE_EPOCH;
  if (v !== undefined && /^\d{1,12}$/.test(v)) return Number(v);
  const out = await simpleGit({ baseDir: workspace })
    .raw(['log', '-1', '--format=%ct'])
    .catch(() => '');
  return /^\d+$/.test(out.trim()) ? Number(out.trim()) : undefined;
}

/**
 * Formats build progress as log lines, BuildKit style: `[<stage> n/m] RUN …` (the stage's name,
 * or `stage-<index>`, and the instruction's number within that stage), `CACHED`, the output
 * (its lines as the runtime cut them, so a masking sink can join the pieces of a long one).
 */
function progressLines(write: (text: string) => void, log: (line: LogLine) => void) {
  return (e: BuildEvent) => {
    if (e.type === 'step-start') write(`[${e.stageLabel} ${e.stageStep}/${e.stageSteps}] ${e.instruction}`);
    else if (e.type === 'step-cached') write(' ---> CACHED');
    else if (e.type === 'log') log({ ...e.line, stream: 'stdout' });
    else if (e.type === 'pushed') write(`pushed ${e.ref} ${e.digest}`);
  };
}

/**
 * Runs a job's `build:` from its workspace: the context and Dockerfile paths are resolved
 * inside the workspace (symlinks may not lead out of it), tags are already interpolated,
 * `push` pushes every tag. Throws a BuildFailure on failure.
 */
export async function buildForJob(opts: {
  build: NonNullable<JobSpec['build']>;
  /** The RUN --mount=type=cache scope: the job's repository. */
  cacheScope: string;
  workspaceDir: string;
  env: Record<string, string>;
  host: BuildHost;
  log: (line: LogLine) => void;
  signal?: AbortSignal;
}): Promise<JobImage> {
  const b = opts.build;
  const contextDir = join(
    opts.workspaceDir,
    await resolveInContext(opts.workspaceDir, cleanContextPath(b.context)),
  );
  const dockerfile = join(
    opts.workspaceDir,
    await resolveInContext(opts.workspaceDir, cleanContextPath(b.dockerfile)),
  );
  const write = (text: string) => opts.log({ stream: 'stdout', time: Date.now(), text });
  const result = await buildImage({
    contextDir,
    dockerfile,
    target: b.target,
    buildArgs: b.args,
    tags: b.tags,
    push: b.push,
    cacheFrom: b.cache.from,
    cacheTo: b.cache.to,
    host: opts.host,
    cacheScope: opts.cacheScope,
    sourceDateEpoch: await sourceDateEpoch(opts.env, opts.workspaceDir),
    onProgress: progressLines(write, opts.log),
    signal: opts.signal,
  });
  write(`built ${result.manifestDigest}`);
  return { manifestDigest: result.manifestDigest, refs: result.refs, pushed: b.push };
}
