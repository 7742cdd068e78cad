import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { log } from '../../../lib/log.js';
import { openRegular } from '../../../lib/regular-file.js';
import { dataDirPaths } from '../../data-dir.js';
import { push, type RegistryClient } from '../../oci/index.js';
import type { JobHandle, Runtime } from '../../runtime/index.js';
import type { ImportedCache } from '../cache/registry/import.js';
import { StepCache } from '../cache/step-cache.js';
import { LocalBuildCache } from '../cache/store/local.js';
import { FileDigestCache } from '../context/digest-cache.js';
import { loadIgnore } from '../context/ignore.js';
import { resolveInContext } from '../context/scoped-path.js';
import { evaluateGlobalArgs } from '../dockerfile/evaluate.js';
import { DOCKERFILE_LIMITS, dockerfileTooLarge } from '../dockerfile/limits.js';
import { prepareDirectiveParser } from '../dockerfile/lines.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { buildStageGraph } from '../dockerfile/stages.js';
import type { BuildOptions, BuildResult } from '../types.js';
import { commitImage } from './commit.js';
import type { BuildContext, StageOutput, StoredImage } from './context.js';
import { BuildFailure, problemsFailure } from './errors.js';
import { buildStage } from './stage.js';
import { loadImage } from './stored-image.js';
import { BuildWorkspace } from './workspace.js';

const logger = log.child({ module: 'build' });

/** The Dockerfile's text; its size is checked before it is read (DOCKERFILE_LIMITS). */
async function readDockerfile(path: string): Promise<string> {
  // A regular file only, opened without blocking: a FIFO or symlink named Dockerfile fails at once.
  const fh = await openRegular(path, 'the Dockerfile').catch((err: NodeJS.ErrnoException) => {
    throw new BuildFailure(err.code ? `cannot read the Dockerfile ${path}: ${err.code}` : err.message);
  });
  const cannot = (err: NodeJS.ErrnoException): never => {
    throw new BuildFailure(`cannot read the Dockerfile ${path}: ${err.code ?? err.message}`);
  };
  try {
    const tooLarge = (size: number) => {
      const message = dockerfileTooLarge(size);
      if (message) throw new BuildFailure(`${path}: ${message}`);
    };
    tooLarge((await fh.stat()).size);
    // Never more than the limit + 1 bytes, even if the file grows while it is read.
    const buf = Buffer.alloc(DOCKERFILE_LIMITS.bytes + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n).catch(cannot);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    tooLarge(n);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** See `buildImage` in ../index.ts. */
export async function runBuild(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const contextDir = resolve(opts.contextDir);
  const dockerfilePath = resolve(opts.dockerfile ?? join(contextDir, 'Dockerfile'));
  // A Dockerfile that is a symlink is followed only within its own directory (BuildKit reads it
  // from that directory alone); whatever it resolves to must be a regular file.
  const dockerfileDir = dirname(dockerfilePath);
  const dockerfileReal = join(
    dockerfileDir,
    await resolveInContext(dockerfileDir, basename(dockerfilePath)).catch((e: Error) => {
      throw new BuildFailure(`the Dockerfile ${dockerfilePath}: ${e.message}`);
    }),
  );
  const text = await readDockerfile(dockerfileReal);
  await prepareDirectiveParser(text);
  const parsed = parseDockerfile(text, 'Dockerfile');
  if (!parsed.ok) throw problemsFailure(parsed.errors);
  const df = parsed.value;
  const buildArgs = opts.buildArgs ?? {};
  const globals = evaluateGlobalArgs(df, buildArgs);
  if (!globals.ok) throw problemsFailure(globals.errors);
  const graph = buildStageGraph(df, opts.target, buildArgs, globals.value);
  if (!graph.ok) throw problemsFailure(graph.errors);
  const { host } = opts;
  const store = host.store;
  // The registry client (and its HTTP stack) loads only when something needs a registry.
  let registryClient: Promise<RegistryClient> | undefined;
  const registry = (): Promise<RegistryClient> =>
    (registryClient ??=
      typeof host.registry === 'function' ? host.registry() : Promise.resolve(host.registry));
  const sde = opts.sourceDateEpoch;
  const ws = await BuildWorkspace.create(
    store,
    dataDirPaths.buildScratch(host.dataDir, `b-${process.pid}-${randomBytes(4).toString('hex')}`),
    sde,
  );
  let imported: ImportedCache | undefined;
  if (opts.cacheFrom?.length) {
    const { ImportedCache } = await import('../cache/registry/import.js');
    imported = new ImportedCache(await registry(), store);
    for (const ref of opts.cacheFrom) {
      const n = await imported.load(ref);
      logger.info({ ref, entries: n }, 'imported build cache');
    }
  }
  const cache = new StepCache(store, new LocalBuildCache(host.dataDir), imported, opts.noCache ?? false);
  const stepBase = new Map<number, number>();
  let total = 0;
  for (const i of graph.value.order) {
    stepBase.set(i, total + 1);
    total += 1 + df.stages[i]!.instructions.length;
  }
  const outputs = new Map<number, Promise<StageOutput>>();
  const images = new Map<string, Promise<StoredImage>>();
  let job: Promise<{ runtime: Runtime; job: JobHandle }> | undefined;
  // Opened on the first RUN only: a fully cached build never opens the runtime.
  const openRuntime = (): Promise<Runtime> => host.runtime();
  const createdAt = sde !== undefined ? new Date(sde * 1000).toISOString().replace('.000Z', 'Z') : undefined;
  const ctx: BuildContext = {
    opts,
    df,
    globals: globals.value,
    buildArgs,
    graph: graph.value,
    ws,
    store,
    registry,
    cache,
    ignore: await loadIgnore(contextDir, dockerfilePath),
    contextDir,
    contextDigests: FileDigestCache.open(host.dataDir, contextDir),
    stageOutput: (i) => {
      let p = outputs.get(i);
      if (!p) {
        p = buildStage(ctx, i);
        p.catch(() => {});
        outputs.set(i, p);
      }
      return p;
    },
    image: (ref) => {
      let p = images.get(ref);
      if (!p) {
        p = loadImage(store, registry, ref);
        images.set(ref, p);
      }
      return p;
    },
    runJob: () => {
      job ??= openRuntime().then(async (runtime) => ({
        runtime,
        job: await runtime.prepareJob({ id: ws.dir.split('/').at(-1)!, network: opts.network ?? 'bridge' }),
      }));
      return job;
    },
    emit: (e) => opts.onProgress?.(e),
    steps: [],
    created: () => createdAt ?? new Date().toISOString(),
    stepBase,
    totalSteps: total,
  };
  try {
    // Stages of one wave do not depend on each other: start them together.
    for (const wave of graph.value.waves) await Promise.all(wave.map((i) => ctx.stageOutput(i)));
    const out = await ctx.stageOutput(graph.value.target);
    opts.signal?.throwIfAborted();
    ctx.contextDigests.save();
    const committed = await commitImage(store, out, opts.tags ?? [], createdAt);
    if (opts.push) {
      for (const ref of committed.refs) {
        const pushed = await push(await registry(), store, ref);
        ctx.emit({ type: 'pushed', ref, digest: pushed.digest });
      }
    }
    if (opts.cacheTo) {
      const { exportCache } = await import('../cache/registry/export.js');
      await exportCache(await registry(), store, opts.cacheTo, cache.used);
      ctx.emit({ type: 'cache-exported', ref: opts.cacheTo, entries: cache.used.size });
    }
    ctx.steps.sort((a, b) => a.index - b.index);
    return {
      manifestDigest: committed.manifest.digest,
      configDigest: committed.configDigest,
      manifest: committed.manifest,
      refs: committed.refs,
      steps: ctx.steps,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await Promise.allSettled(outputs.values());
    throw err;
  } finally {
    if (job) await job.then((j) => j.runtime.destroyJob(j.job)).catch(() => {});
    await ws.close();
  }
}
