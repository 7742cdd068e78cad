import { AUTOMATIC_PLATFORM_ARGS, resolveArg } from './args.js';
import { type DockerfileProblem, ok, type Result } from './errors.js';
import type { Dockerfile, Instruction, Stage } from './model.js';
import { parseMount, splitMountFields } from './mounts.js';
import { substitute } from './substitute.js';

/** Where a stage or a `--from` points: an earlier stage, or an image to pull. */
export type StageRef =
  | { kind: 'stage'; index: number }
  | { kind: 'image'; ref: string }
  | { kind: 'scratch' };

export interface StageGraph {
  target: number;
  /** The stages the target needs (itself included), in a valid build order. */
  order: number[];
  /** Per needed stage: the stages it depends on. */
  deps: Map<number, number[]>;
  /** `order` grouped in waves: stages of one wave do not depend on each other and may build in parallel. */
  waves: number[][];
  /** Per needed stage, what its FROM is. */
  bases: Map<number, StageRef>;
}

/**
 * Resolves a stage name or index written in FROM, `COPY --from` or `RUN --mount from=`, seen
 * from stage `current`. Only earlier stages can be referenced. A `--from` that names no stage
 * must be a full image reference (with a tag, digest or registry path): a bare word like
 * `--from=buidler` is reported as an unknown stage instead of being pulled as an image.
 */
export function resolveStageRef(
  df: Dockerfile,
  current: number,
  value: string,
  isFrom: boolean,
): StageRef | string {
  const v = value.toLowerCase();
  if (isFrom && v === 'scratch') return { kind: 'scratch' };
  if (!isFrom && /^\d+$/.test(v)) {
    const n = Number(v);
    if (n >= current)
      return `--from=${value} refers to stage ${n}, which is not before this stage (${current})`;
    return { kind: 'stage', index: n };
  }
  const byName = df.stages.find((s) => s.name === v);
  if (byName && byName.index < current) return { kind: 'stage', index: byName.index };
  if (byName)
    return `stage "${value}" is defined at or after stage ${current}; only earlier stages can be used`;
  if (!isFrom && !/[/:@]/.test(value)) {
    const names = df.stages.filter((s) => s.name && s.index < current).map((s) => s.name);
    return `unknown stage "${value}" (earlier stages: ${names.join(', ') || 'none'}); for an image use its full reference, e.g. ${value}:latest`;
  }
  return { kind: 'image', ref: value };
}

function stageFromValues(
  df: Dockerfile,
  stage: Stage,
  buildArgs: Record<string, string>,
  globals: Map<string, string | undefined>,
) {
  const args = new Map<string, string | undefined>();
  const lookup = (n: string) => args.get(n) ?? undefined;
  const out: { ins: Instruction; value: string }[] = [];
  const sub = (w: string) => {
    const r = substitute(w, lookup, { escapeChar: df.escapeChar });
    return 'error' in r ? w : r.value;
  };
  for (const ins of stage.instructions) {
    if (ins.kind === 'ARG')
      for (const a of ins.args)
        args.set(a.name, resolveArg(a.name, a.default && sub(a.default), buildArgs, globals));
    if ((ins.kind === 'COPY' || ins.kind === 'ADD') && ins.from !== undefined)
      out.push({ ins, value: sub(ins.from) });
    if (ins.kind === 'RUN') {
      for (const raw of ins.mounts) {
        const m = parseMount(splitMountFields(raw).map(sub).join(','));
        if ('mount' in m && (m.mount.type === 'bind' || m.mount.type === 'cache') && m.mount.from) {
          out.push({ ins, value: m.mount.from });
        }
      }
    }
  }
  return out;
}

/**
 * The stages a build of `target` (a name, or the last stage when undefined) needs, their
 * dependencies, a build order and the parallel waves. `--from` values are substituted with the
 * stage's ARGs and the build args (base image ENV is not known yet and is not used here).
 */
export function buildStageGraph(
  df: Dockerfile,
  target: string | undefined,
  buildArgs: Record<string, string>,
  globals: Map<string, string | undefined>,
): Result<StageGraph> {
  const errors: DockerfileProblem[] = [];
  let targetIndex = df.stages.length - 1;
  if (target !== undefined) {
    const t = df.stages.find((s) => s.name === target.toLowerCase());
    if (!t) {
      const names = df.stages.map((s) => s.name).filter(Boolean);
      return {
        ok: false,
        errors: [
          {
            file: df.file,
            line: 1,
            message: `target stage "${target}" could not be found (stages: ${names.join(', ') || 'none named'})`,
          },
        ],
      };
    }
    targetIndex = t.index;
  }
  const deps = new Map<number, number[]>();
  const bases = new Map<number, StageRef>();
  const visit = (i: number) => {
    if (deps.has(i)) return;
    const stage = df.stages[i]!;
    const d = new Set<number>();
    deps.set(i, []);
    const fromLookup = (n: string) => globals.get(n) ?? AUTOMATIC_PLATFORM_ARGS[n];
    const image = substitute(stage.from.image, fromLookup, { escapeChar: df.escapeChar });
    const base = resolveStageRef(df, i, 'error' in image ? stage.from.image : image.value, true);
    if (typeof base === 'string') errors.push({ file: df.file, line: stage.from.line, message: base });
    else {
      bases.set(i, base);
      if (base.kind === 'stage') d.add(base.index);
    }
    for (const { ins, value } of stageFromValues(df, stage, buildArgs, globals)) {
      const ref = resolveStageRef(df, i, value, false);
      if (typeof ref === 'string')
        errors.push({ file: df.file, line: ins.line, message: `${ins.kind}: ${ref}` });
      else if (ref.kind === 'stage') d.add(ref.index);
    }
    deps.set(
      i,
      [...d].sort((a, b) => a - b),
    );
    for (const x of d) visit(x);
  };
  visit(targetIndex);
  if (errors.length) return { ok: false, errors };
  const depth = new Map<number, number>();
  const order = [...deps.keys()].sort((a, b) => a - b); // references only point backwards
  for (const i of order) depth.set(i, Math.max(-1, ...deps.get(i)!.map((x) => depth.get(x)!)) + 1);
  const waves: number[][] = [];
  for (const i of order) {
    const d = depth.get(i)!;
    waves[d] = [...(waves[d] ?? []), i];
  }
  return ok({ target: targetIndex, order, deps, waves, bases });
}
