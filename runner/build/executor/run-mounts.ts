import { createHash } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { run } from '../../runtime/exec.js';
import { resolveInRoot } from '../../runtime/root-path.js';
import type { Mount as RuntimeMount } from '../../runtime/types.js';
import { cleanContextPath, resolveInContext } from '../context/scoped-path.js';
import type { Mount } from '../dockerfile/model.js';
import { resolveStageRef } from '../dockerfile/stages.js';
import type { BuildContext } from './context.js';
import { BuildFailure } from './errors.js';
import type { LayerRef, MountedRoot } from './workspace.js';

/** Host dir of a RUN cache mount: `<dataDir>/build-cache-mounts/<sha256(id)>` — never the id as a path. */
export function cacheMountDir(dataDir: string, id: string): string {
  return join(dataDir, 'build-cache-mounts', createHash('sha256').update(id).digest('hex'));
}

const locks = new Map<string, Promise<unknown>>();

/** Runs `fn` holding the in-process lock of cache id `id` (sharing=locked). */
export async function withCacheLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(id) ?? Promise.resolve();
  const mine = prev.then(fn, fn);
  locks.set(
    id,
    mine.catch(() => {}),
  );
  return mine;
}

/** Layers of the stage or image a `from=` names, for bind mounts. */
async function fromLayers(ctx: BuildContext, stage: number, from: string): Promise<LayerRef[]> {
  const r = resolveStageRef(ctx.df, stage, from, false);
  if (typeof r === 'string') throw new BuildFailure(r);
  if (r.kind === 'stage') return (await ctx.stageOutput(r.index)).layers;
  if (r.kind === 'image') return (await ctx.image(r.ref)).layers;
  return [];
}

/**
 * Turns a RUN's `--mount`s into runtime mounts. Stage/image bind sources need their root fs
 * mounted for the duration of the RUN: `withSources` mounts them (nested) and calls `fn`.
 */
export async function withRunMounts<T>(
  ctx: BuildContext,
  stage: number,
  mounts: Mount[],
  workdir: string,
  fn: (mounts: RuntimeMount[], lockIds: string[]) => Promise<T>,
): Promise<T> {
  const out: RuntimeMount[] = [];
  const lockIds: string[] = [];
  const stageBinds: Array<{ m: Extract<Mount, { type: 'bind' }>; layers: LayerRef[] }> = [];
  for (const m of mounts) {
    const target = posix.resolve(workdir || '/', m.target);
    if (m.type === 'tmpfs') out.push({ type: 'tmpfs', target, sizeBytes: m.size });
    else if (m.type === 'cache') {
      if (m.from !== undefined || m.source !== undefined)
        throw new BuildFailure(`--mount=type=cache,from=/source= is not supported (id ${m.id})`);
      const dir = cacheMountDir(ctx.opts.dataDir, m.id);
      const fresh = !(await stat(dir).catch(() => undefined));
      if (fresh) {
        await mkdir(dir, { recursive: true });
        await chmod(dir, m.mode);
        await chown(dir, m.uid, m.gid);
      }
      if (m.sharing === 'locked') lockIds.push(m.id);
      out.push({ type: 'bind', source: dir, target, readonly: m.readonly });
    } else if (m.type === 'secret') {
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
        await run('cp', ['-a', '--', source, copy]);
        source = copy;
      }
      out.push({ type: 'bind', source, target, readonly: !m.readwrite });
    } else stageBinds.push({ m: { ...m, target }, layers: await fromLayers(ctx, stage, m.from) });
  }
  const nest = async (i: number): Promise<T> => {
    const b = stageBinds[i];
    if (!b) return fn(out, lockIds);
    return ctx.ws.withRoot(b.layers, async (root: MountedRoot) => {
      const source = await resolveInRoot(root.merged, b.m.source);
      out.push({ type: 'bind', source, target: b.m.target, readonly: !b.m.readwrite });
      return nest(i + 1);
    });
  };
  return nest(0);
}
