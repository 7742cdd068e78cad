import { posix } from 'node:path';
import type { Command, EvaluatedInstruction } from '../dockerfile/model.js';
import { createdBy } from './history.js';
import { DEFAULT_PATH, DEFAULT_SHELL, type HistoryEntry, type ImageConfig } from './types.js';
import { isValidSignal, parsePortSpec } from './validate.js';

/** A stage's config while it is built. `cmdSet`: a CMD was given in this stage (see ENTRYPOINT). */
export interface StageConfigState {
  image: ImageConfig;
  cmdSet: boolean;
}

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

export interface ApplyContext {
  /** History timestamp (RFC 3339), from SOURCE_DATE_EPOCH when set. */
  created?: string;
  /** Declared args with values at this instruction (for RUN history). */
  args?: Record<string, string>;
  sourceDescription?: string;
}

export type ApplyResult =
  | { state: StageConfigState; history: HistoryEntry; layer: boolean }
  | { error: string };

function commandArgv(c: Command, shell: string[] | undefined): string[] {
  return c.form === 'exec' ? c.argv : [...(shell ?? DEFAULT_SHELL), c.text];
}

function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const list = [...(env ?? [])];
  const i = list.findIndex((e) => e.split('=')[0] === key);
  if (i >= 0) list[i] = `${key}=${value}`;
  else list.push(`${key}=${value}`);
  return list;
}

/**
 * Applies one evaluated instruction to the stage config and returns the new state and its
 * history entry. `layer` is true for RUN/COPY/ADD (the executor appends the diff_id); other
 * instructions are metadata only (`empty_layer`). WORKDIR also asks the executor to create the
 * directory, but Docker records it without a layer here. Pure.
 */
export function applyInstruction(
  prev: StageConfigState,
  ins: EvaluatedInstruction,
  ctx: ApplyContext = {},
): ApplyResult {
  const state: StageConfigState = { image: structuredClone(prev.image), cmdSet: prev.cmdSet };
  const c = state.image.config;
  const shellBefore = c.Shell;
  switch (ins.kind) {
    case 'ENV':
      for (const p of ins.pairs) c.Env = setEnv(c.Env, p.key, p.value);
      break;
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}) };
      for (const p of ins.pairs) c.Labels[p.key] = p.value;
      break;
    case 'WORKDIR':
      c.WorkingDir = posix.resolve(c.WorkingDir || '/', ins.value);
      break;
    case 'USER':
      c.User = ins.value;
      break;
    case 'EXPOSE': {
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const v of ins.values) {
        const ports = parsePortSpec(v);
        if ('error' in ports) return ports;
        for (const p of ports) c.ExposedPorts[p] = {};
      }
      break;
    }
    case 'VOLUME':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of ins.values) c.Volumes[v] = {};
      break;
    case 'CMD':
      c.Cmd = commandArgv(ins.command, c.Shell);
      state.cmdSet = true;
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = commandArgv(ins.command, c.Shell);
      if (!state.cmdSet) c.Cmd = null; // Docker: an inherited CMD does not survive a new ENTRYPOINT
      break;
    case 'SHELL':
      c.Shell = ins.argv;
      break;
    case 'STOPSIGNAL':
      if (!isValidSignal(ins.value)) return { error: `invalid STOPSIGNAL "${ins.value}"` };
      c.StopSignal = ins.value;
      break;
    case 'HEALTHCHECK':
      if (ins.test === 'NONE') c.Healthcheck = { Test: ['NONE'] };
      else {
        const test = ins.test.form === 'exec' ? ['CMD', ...ins.test.argv] : ['CMD-SHELL', ins.test.text];
        c.Healthcheck = { Test: test };
        if (ins.interval) c.Healthcheck.Interval = ins.interval;
        if (ins.timeout) c.Healthcheck.Timeout = ins.timeout;
        if (ins.startPeriod) c.Healthcheck.StartPeriod = ins.startPeriod;
        if (ins.startInterval) c.Healthcheck.StartInterval = ins.startInterval;
        if (ins.retries) c.Healthcheck.Retries = ins.retries;
      }
      break;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), ins.expression];
      break;
    case 'MAINTAINER':
      state.image.author = ins.value;
      break;
    default:
      break; // RUN, COPY, ADD, ARG: no config change
  }
  const layer = ins.kind === 'RUN' || ins.kind === 'COPY' || ins.kind === 'ADD';
  const history: HistoryEntry = {
    ...(ctx.created ? { created: ctx.created } : {}),
    created_by: createdBy(ins, {
      shell: shellBefore,
      args: ctx.args ?? {},
      sourceDescription: ctx.sourceDescription,
    }),
    ...(layer ? {} : { empty_layer: true }),
  };
  state.image.history = [...state.image.history, history];
  if (ctx.created) state.image.created = ctx.created;
  return { state, history, layer };
}
