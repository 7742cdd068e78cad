import { type BaseIdentity, fromKey, type StepInputs, stepKey } from '../cache/keys.js';
import { startStage } from '../config/apply.js';
import { describeChange } from '../config/change.js';
import { StageConfig } from '../config/stage-config.js';
import { type EvaluatedStep, evaluateStage } from '../dockerfile/evaluate.js';
import type { CopyInstruction, Instruction } from '../dockerfile/model.js';
import { parseOnbuildTriggers } from '../dockerfile/parse.js';
import { resolveStageRef } from '../dockerfile/stages.js';
import type { BuildContext, StageOutput } from './context.js';
import { type CopyOrigin, executeCopy, executeWorkdir, planCopy } from './copy-step.js';
import { problemsFailure, stepFailure } from './errors.js';
import { executeRun } from './run-step.js';
import type { LayerRef } from './workspace.js';

interface StageBase {
  config: Parameters<typeof startStage>[0];
  layers: LayerRef[];
  identity: BaseIdentity;
  name: string;
}

async function resolveBase(ctx: BuildContext, index: number, image: string): Promise<StageBase> {
  const ref = ctx.graph.bases.get(index);
  if (!ref || ref.kind === 'scratch')
    return { config: 'scratch', layers: [], identity: { kind: 'scratch' }, name: 'scratch' };
  if (ref.kind === 'stage') {
    const out = await ctx.stageOutput(ref.index);
    return {
      config: out.state.image,
      layers: out.layers,
      identity: { kind: 'stage', key: out.key },
      name: image,
    };
  }
  const img = await ctx.image(image);
  return {
    config: img.config,
    layers: img.layers,
    identity: { kind: 'image', digest: img.configDigest },
    name: img.ref,
  };
}

/** RUN `from=` mounts → the key or digest of what they mount (part of the RUN's cache key). */
async function mountFromKeys(ctx: BuildContext, stage: number, step: EvaluatedStep): Promise<StepInputs> {
  const ins = step.instruction;
  if (ins.kind !== 'RUN') return {};
  const keys: Record<string, string> = {};
  for (const m of ins.mounts) {
    if ((m.type !== 'bind' && m.type !== 'cache') || m.from === undefined) continue;
    const r = resolveStageRef(ctx.df, stage, m.from, false);
    if (typeof r === 'string') throw new Error(r);
    keys[m.from] =
      r.kind === 'stage'
        ? (await ctx.stageOutput(r.index)).key
        : r.kind === 'image'
          ? (await ctx.image(r.ref)).manifestDigest
          : 'scratch';
  }
  return { mountFromKeys: keys };
}

/**
 * Builds one stage: its base (image, scratch or earlier stage), the base's ONBUILD triggers,
 * then every instruction — a cache hit reuses the stored layer and applies the stored config
 * change and runs nothing; a miss executes (RUN, COPY/ADD, WORKDIR make layers; the rest is
 * config only) and stores the layer, change and history entry under the instruction's key.
 */
export async function buildStage(ctx: BuildContext, index: number): Promise<StageOutput> {
  const stage = ctx.df.stages[index]!;
  const first = ctx.stepBase.get(index)!;
  const fromStarted = Date.now();
  const fromText = stage.from.original;
  const stageLabel = stage.name ?? `stage-${index}`;
  const stageSteps = 1 + stage.instructions.length;
  const startEvent = (stepIndex: number, instruction: string) =>
    ctx.emit({
      type: 'step-start',
      index: stepIndex,
      total: ctx.totalSteps,
      stage: index,
      stageLabel,
      stageStep: stepIndex - first + 1,
      stageSteps,
      instruction,
    });
  startEvent(first, fromText);
  const image = await evaluatedImage(ctx, index);
  const base = await resolveBase(ctx, index, image);
  const { state: start, triggers } = startStage(base.config);
  const parsedTriggers = parseOnbuildTriggers(triggers, base.name);
  if (!parsedTriggers.ok) throw problemsFailure(parsedTriggers.errors);
  const evaluated = evaluateStage(
    ctx.df,
    stage,
    { buildArgs: ctx.buildArgs, globals: ctx.globals, baseEnv: start.image.config.Env ?? [] },
    [...parsedTriggers.value, ...stage.instructions] as Instruction[],
  );
  if (!evaluated.ok) throw problemsFailure(evaluated.errors);
  const fromDuration = Date.now() - fromStarted;
  ctx.steps.push({
    index: first,
    stage: index,
    instruction: fromText,
    cached: true,
    durationMs: fromDuration,
  });
  ctx.emit({ type: 'step-done', index: first, cached: true, durationMs: fromDuration });
  const config = new StageConfig(start);
  const layers = [...base.layers];
  let key = fromKey(base.identity);
  const nTriggers = parsedTriggers.value.length;
  for (const [i, step] of evaluated.value.entries()) {
    // A cancelled or timed-out build stops before its next instruction.
    ctx.opts.signal?.throwIfAborted();
    const isTrigger = i < nTriggers;
    const stepIndex = isTrigger ? first : first + 1 + (i - nTriggers);
    const ins = step.instruction;
    const text = isTrigger ? `ONBUILD ${ins.original}` : ins.original;
    const location = isTrigger ? `${base.name} ONBUILD:${ins.line}` : `${ctx.df.file}:${ins.line}`;
    const started = Date.now();
    startEvent(stepIndex, text);
    let cached = false;
    try {
      let inputs: StepInputs = await mountFromKeys(ctx, index, step);
      let origin: CopyOrigin | undefined;
      if (ins.kind === 'COPY' || ins.kind === 'ADD') {
        const plan = await planCopy(ctx, index, ins as CopyInstruction, config.state.image.config.WorkingDir);
        origin = plan.origin;
        inputs = { sourcesHash: plan.sourcesHash };
      }
      key = stepKey(key, step, inputs);
      const hit = await ctx.cache.get(key);
      if (hit) {
        cached = true;
        ctx.emit({ type: 'step-cached', index: stepIndex });
        config.apply(hit.change, hit.history, hit.layer?.diffID);
        if (hit.layer) layers.push(hit.layer);
      } else {
        let layer: LayerRef | undefined;
        const state = config.state;
        if (ins.kind === 'RUN')
          layer = await executeRun(ctx, index, stepIndex, layers, state, step, location);
        else if (ins.kind === 'COPY' || ins.kind === 'ADD')
          layer = await executeCopy(
            ctx,
            layers,
            ins as CopyInstruction,
            origin!,
            state.image.config.WorkingDir,
          );
        const described = describeChange(state, ins, { created: ctx.created(), args: step.args });
        if ('error' in described) throw new Error(described.error);
        const { change, history } = described;
        if (ins.kind === 'WORKDIR')
          layer = await executeWorkdir(ctx, layers, change.workingDir ?? '/', state.image.config.User);
        if (layer) {
          delete history.empty_layer;
          layers.push(layer);
        }
        config.apply(change, history, layer?.diffID);
        await ctx.cache.put(key, { layer: layer ?? null, change, history });
      }
    } catch (err) {
      throw stepFailure(err, location, text);
    }
    const durationMs = Date.now() - started;
    ctx.steps.push({ index: stepIndex, stage: index, instruction: text, cached, durationMs });
    ctx.emit({ type: 'step-done', index: stepIndex, cached, durationMs });
  }
  return { state: config.state, layers, key };
}

async function evaluatedImage(ctx: BuildContext, index: number): Promise<string> {
  const { evaluateFrom } = await import('../dockerfile/evaluate.js');
  const r = evaluateFrom(ctx.df, ctx.df.stages[index]!, ctx.globals);
  if (!r.ok) throw problemsFailure(r.errors);
  return r.value.image;
}
