import type { EvaluatedInstruction } from '../dockerfile/model.js';
import { type ChangeContext, describeChange } from './change.js';
import { StageConfig } from './stage-config.js';
import { DEFAULT_PATH, type HistoryEntry, type ImageConfig, type StageConfigState } from './types.js';

export type { StageConfigState } from './types.js';

/**
 * Starts a stage from its base image config (or scratch: PATH and WorkingDir "/", as Docker). The base's ONBUILD triggers are
 * returned for the executor to run first and are not inherited, as in Docker. Pure: the base
 * is copied, never modified.
 */
export function startStage(base: ImageConfig | 'scratch'): { state: StageConfigState; triggers: string[] } {
  if (base === 'scratch') {
    const image: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      // As BuildKit's empty image: the default PATH and WorkingDir "/".
      config: { Env: [DEFAULT_PATH], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    };
    return { state: { image, cmdSet: false }, triggers: [] };
  }
  const image = structuredClone(base);
  const triggers = image.config.OnBuild ?? [];
  image.config.OnBuild = null;
  return { state: { image, cmdSet: false }, triggers };
}

export type ApplyContext = ChangeContext;

export type ApplyResult =
  | { state: StageConfigState; history: HistoryEntry; layer: boolean }
  | { error: string };

/**
 * Applies one evaluated instruction to a copy of the stage config and returns the new state
 * and its history entry (`describeChange` + `StageConfig.apply`). `layer` is true for
 * RUN/COPY/ADD (the caller appends the diff_id). Pure, but copies the whole config: the engine
 * keeps one `StageConfig` per stage and applies changes to it in place instead.
 */
export function applyInstruction(
  prev: StageConfigState,
  ins: EvaluatedInstruction,
  ctx: ApplyContext = {},
): ApplyResult {
  const described = describeChange(prev, ins, ctx);
  if ('error' in described) return described;
  const state: StageConfigState = { image: structuredClone(prev.image), cmdSet: prev.cmdSet };
  new StageConfig(state).apply(described.change, described.history);
  return { state, history: described.history, layer: described.layer };
}
