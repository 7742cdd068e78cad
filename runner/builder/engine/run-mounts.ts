import { chmod, chown, copyFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { runTool } from '../../../lib/proc.js';
import { scrubTree } from '../../../lib/scrub-tree.js';
import { resolveInRoot } from '../../rootfs/index.js';
import type { Mount as RuntimeMount } from '../../runtime/index.js';
import { acquireCacheMounts } from '../cache/mounts.js';
import { cleanContextPath, resolveInContext } from '../context/scoped-path.js';
import type { Mount } from '../dockerfile/model.js';
import { resolveStageRef } from '../dockerfile/stages.js';
import type { BuildContext } from './context.js';
import { BuildFailure } from './errors.js';
import type { LayerRef, MountedRoot } from './workspace.js';

/** Layers of the stage or image a `from=` names, for bind mounts. */
async function fromLayers(ctx: BuildContext, stage: number, from: string): Promise<LayerRef[]> {
  const r = resolveStageRef(ctx.df, stage, from, false);
  if (typeof r === 'string') throw new BuildFailure(r);
  if (r.kind === 'stage') return (await ctx.stageOutput(r.index)).layers;
  if (r.kind === 'image') return (await ctx.image(r.ref)).layers;
  return [];
}

/**
 * Turns a RUN's `--mount`s into runtime mounts and calls `fn` with them. Cache dirs are chosen
 * and locked for the duration of `fn` (see `acquireCacheMounts`); stage/image bind sources have
 * their root fs mounted (nested) for that time.
 */
export async function withRunMounts<T>(
  ctx: BuildContext,
  stage: number,
  mounts: Mount[],
  workdir: string,
  fn: (mounts: RuntimeMount[]) => Promise<T>,
): Promise<T> {
  const caches = mounts.filter((m) => m.type === 'cache');
  for (const m of caches)
    if (m.from !== undefined || m.source !== undefined)
      throw new BuildFailure(`--mount=type=cache,from=/source= is not supported (id ${m.id})`);
  const scope = ctx.opts.cacheScope ?? ctx.contextDir;
  const cacheSet = await acquireCacheMounts(ctx.opts.host.dataDir, scope, ctx.ws, caches, ctx.opts.signal);
  try {
    return await withMounts(ctx, stage, mounts, workdir, cacheSet.dirs, fn);
  } finally {
    // Cache mounts outlive the RUN: clear setuid/setgid bits, drop device nodes planted there.
    for (const dir of cacheSet.dirs.values()) scrubTree(dir);
    await cacheSet.release();
  }
}

async function withMounts<T>(
  ctx: BuildContext,
  stage: number,
  mounts: Mount[],
  workdir: string,
  cacheDirs: Map<string, string>,
  fn: (mounts: RuntimeMount[]) => Promise<T>,
): Promise<T> {
  const out: RuntimeMount[] = [];
  const stageBinds: Array<{ m: Extract<Mount, { type: 'bind' }>; layers: LayerRef[] }> = [];
  for (const m of mounts) {
    const target = posix.resolve(workdir || '/', m.target);
    if (m.type === 'tmpfs') out.push({ type: 'tmpfs', target, sizeBytes: m.size });
    else if (m.type === 'cache')
      out.push({ type: 'bind', source: cacheDirs.get(m.id)!, target, readonly: m.readonly });
    else if (m.type === 'secret') {
      const src = ctx.opts.secrets?.[m.id];
      if (src === undefined) {
        if (m.required)
          throw new BuildFailure(
            `secret "${m.id}" is required but was not given (--secret id=${m.id},src=…)`,
          );
        continue;
      }
      const file = join(await ctx.ws.tempDir('secret'), 'value');
      await copyFile(src, file).catch((err: Error) => {
        throw new BuildFailure(`secret "${m.id}": cannot read ${src}: ${err.message}`);
      });
      await chmod(file, m.mode);
      await chown(file, m.uid, m.gid);
      out.push({ type: 'bind', source: file, target: posix.resolve('/', m.target), readonly: true });
    } else if (m.from === undefined) {
      const rel = await resolveInContext(ctx.contextDir, cleanContextPath(m.source));
      let source = join(ctx.contextDir, rel);
      if (m.readwrite) {
        // writes must never reach the context: give the RUN a throwaway copy
        const copy = join(await ctx.ws.tempDir('bind'), 'src');
        await runTool('cp', ['-a', '--', source, copy]);
        source = copy;
      }
      out.push({ type: 'bind', source, target, readonly: !m.readwrite });
    } else stageBinds.push({ m: { ...m, target }, layers: await fromLayers(ctx, stage, m.from) });
  }
  const nest = async (i: number): Promise<T> => {
    const b = stageBinds[i];
    if (!b) return fn(out);
    return ctx.ws.withRoot(b.layers, async (root: MountedRoot) => {
      const source = await resolveInRoot(root.merged, b.m.source);
      out.push({ type: 'bind', source, target: b.m.target, readonly: !b.m.readwrite });
      return nest(i + 1);
    });
  };
  return nest(0);
}
