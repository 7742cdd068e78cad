import { lstatSync } from 'node:fs';
import { lstat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { runTool } from '../../../lib/proc.js';
import { detectArchive } from '../context/archive.js';
import { hashSources } from '../context/content-hash.js';
import { type ResolvedSource, resolveSources } from '../context/sources.js';
import type { CopyInstruction } from '../dockerfile/model.js';
import { resolveStageRef } from '../dockerfile/stages.js';
import { type Owner, parseChmod, resolveChown } from './chown.js';
import type { BuildContext } from './context.js';
import { RootCopier } from './copy-files.js';
import { BuildFailure } from './errors.js';
import type { LayerRef } from './workspace.js';

/** Where COPY/ADD sources come from, decided before the cache lookup. */
export type CopyOrigin =
  | { kind: 'context'; resolved: ResolvedSource[] }
  | { kind: 'layers'; layers: LayerRef[]; identity: string };

const pathSources = (ins: CopyInstruction) => ins.sources.flatMap((s) => (s.kind === 'path' ? [s.path] : []));

/**
 * Resolves a COPY/ADD's origin and its cache input: for the context, the sources resolved with
 * Docker's rules and their content hash; for `--from`, the stage's key or the image's digest.
 */
export async function planCopy(
  ctx: BuildContext,
  stage: number,
  ins: CopyInstruction,
  workdir: string | undefined,
): Promise<{ origin: CopyOrigin; sourcesHash: string }> {
  const paths = pathSources(ins);
  if (ins.from !== undefined) {
    const r = resolveStageRef(ctx.df, stage, ins.from, false);
    if (typeof r === 'string') throw new BuildFailure(r);
    if (r.kind === 'stage') {
      const out = await ctx.stageOutput(r.index);
      return {
        origin: { kind: 'layers', layers: out.layers, identity: out.key },
        sourcesHash: `stage:${out.key}`,
      };
    }
    if (r.kind === 'image') {
      const img = await ctx.image(r.ref);
      return {
        origin: { kind: 'layers', layers: img.layers, identity: img.manifestDigest },
        sourcesHash: `image:${img.manifestDigest}`,
      };
    }
    return { origin: { kind: 'layers', layers: [], identity: 'scratch' }, sourcesHash: 'scratch' };
  }
  for (const p of paths)
    if (/^[a-z]+:\/\//i.test(p)) throw new BuildFailure(`${ins.kind} from a URL (${p}) is not supported`);
  const resolved = paths.length
    ? await resolveSources(ctx.contextDir, ctx.ignore, paths, ins.dest, workdir)
    : [];
  const sourcesHash = await hashSources(
    ctx.contextDir,
    resolved,
    { uid: 0, gid: 0, chmod: parseChmod(ins.chmod) },
    ctx.contextDigests,
  );
  return { origin: { kind: 'context', resolved }, sourcesHash };
}

/** Copies resolved sources (rooted at `srcRoot` on the host) into the image. */
async function copyResolved(
  ctx: BuildContext,
  copier: RootCopier,
  srcRoot: string,
  resolved: ResolvedSource[],
  ins: CopyInstruction,
  chown: Owner | undefined,
): Promise<void> {
  for (const s of resolved) {
    const src = join(srcRoot, s.rel);
    const st = await lstat(src);
    if (s.isDir) {
      // Docker copies a directory's contents: the destination itself is made like a parent
      // (0755, --chown or root) when missing and left as it is when it exists.
      await copier.ensureDir(s.target);
      const prefix = s.rel === '' ? '' : `${s.rel}/`;
      for (const e of s.entries) {
        const est = lstatSync(join(srcRoot, e.rel));
        await copier.copyNode(join(srcRoot, e.rel), posix.join(s.target, e.rel.slice(prefix.length)), est);
      }
      continue;
    }
    const archive = ins.kind === 'ADD' && st.isFile() ? await detectArchive(src) : undefined;
    if (archive) {
      const tmp = await ctx.ws.tempDir('add');
      await runTool('tar', ['-x', '--numeric-owner', '-p', '-f', src, '-C', tmp]);
      const { applyHardLinkHeaders } = await import('./tar-link-attrs.js');
      const archiveDirs = await applyHardLinkHeaders(src, archive, tmp);
      const dest = posix.resolve('/', s.destMayBeDir ? s.target : posix.dirname(s.target));
      await copier.ensureDir(dest);
      await copier.forArchive(chown).copyTree(tmp, dest, archiveDirs);
      continue;
    }
    if (s.severalToOnePath)
      throw new BuildFailure(
        `"${s.source}" matches several files: the destination "${ins.dest}" must be a directory and end with a /`,
      );
    const target = s.destMayBeDir && (await copier.isDir(s.target)) ? posix.join(s.target, s.name) : s.target;
    await copier.copyNode(src, target, st);
  }
}

/** Executes COPY/ADD into a new layer over `layers`. */
export async function executeCopy(
  ctx: BuildContext,
  layers: LayerRef[],
  ins: CopyInstruction,
  origin: CopyOrigin,
  workdir: string | undefined,
): Promise<LayerRef> {
  const { layer } = await ctx.ws.withRoot(
    layers,
    async (root) => {
      const owner = await resolveChown(root.merged, ins.chown);
      const copier = new RootCopier(root.merged, {
        owner: owner ?? (origin.kind === 'context' ? { uid: 0, gid: 0 } : undefined),
        chmod: parseChmod(ins.chmod),
      });
      const destDir =
        ins.dest.endsWith('/') || ins.dest === '.' ? posix.resolve(workdir || '/', ins.dest) : undefined;
      for (const s of ins.sources) {
        if (s.kind !== 'heredoc') continue;
        const path = destDir ? posix.join(destDir, s.body.name) : posix.resolve(workdir || '/', ins.dest);
        const tmp = join(await ctx.ws.tempDir('heredoc'), 'f');
        await writeFile(tmp, s.body.content, { mode: 0o644 });
        await copier.copyNode(tmp, path, await lstat(tmp));
      }
      if (origin.kind === 'context')
        await copyResolved(ctx, copier, ctx.contextDir, origin.resolved, ins, owner);
      else {
        const paths = pathSources(ins);
        await ctx.ws.withRoot(origin.layers, async (src) => {
          const resolved = await resolveSources(src.merged, () => false, paths, ins.dest, workdir, 'image');
          await copyResolved(ctx, copier, src.merged, resolved, ins, owner);
        });
      }
      await copier.finish();
    },
    true,
  );
  return layer;
}

/**
 * WORKDIR: creates the directory and missing parents (0755, owned by the stage's USER as
 * Docker does, root when unset) in a new layer when the stage lacks it.
 */
export async function executeWorkdir(
  ctx: BuildContext,
  layers: LayerRef[],
  path: string,
  user: string | undefined,
): Promise<LayerRef | undefined> {
  const result = await ctx.ws.withRoot(
    layers,
    async (root) => {
      const probe = new RootCopier(root.merged, { owner: undefined, chmod: undefined });
      if (await probe.isDir(path)) return false;
      const owner = await resolveChown(root.merged, user).catch((e: Error) => {
        throw new BuildFailure(
          `WORKDIR ${path} as USER ${user}: ${e.message.replace(/^--chown=\S*?: /, '')}`,
        );
      });
      const copier = new RootCopier(root.merged, { owner: owner ?? { uid: 0, gid: 0 }, chmod: undefined });
      await copier.ensureDir(path);
      return true;
    },
    true,
  );
  return result.value ? result.layer : undefined;
}
