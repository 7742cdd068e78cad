import { posix } from 'node:path';
import { z } from 'zod';
import type { Command, EvaluatedInstruction } from '../dockerfile/model.js';
import { createdBy } from './history.js';
import { DEFAULT_SHELL, type HistoryEntry, type StageConfigState } from './types.js';
import { isValidSignal, parsePortSpec } from './validate.js';

const strings = z.array(z.string());

/**
 * What one instruction changes in a stage's config: only the fields it sets, with values already
 * resolved against the config before it (a WORKDIR's absolute path, a shell-form CMD's argv).
 * Applied in order to the base config it rebuilds the stage's config; this, not the whole config,
 * is what a cache entry stores, so an entry's size does not grow with the instructions before it.
 */
export const configChangeSchema = z
  .object({
    env: z.array(z.tuple([z.string(), z.string()])).optional(),
    labels: z.array(z.tuple([z.string(), z.string()])).optional(),
    workingDir: z.string().optional(),
    user: z.string().optional(),
    exposedPorts: strings.optional(),
    volumes: strings.optional(),
    entrypoint: strings.optional(),
    cmd: strings.nullable().optional(),
    cmdSet: z.literal(true).optional(),
    shell: strings.optional(),
    stopSignal: z.string().optional(),
    healthcheck: z
      .object({
        Test: strings,
        Interval: z.number().optional(),
        Timeout: z.number().optional(),
        StartPeriod: z.number().optional(),
        StartInterval: z.number().optional(),
        Retries: z.number().optional(),
      })
      .strict()
      .optional(),
    onBuild: z.string().optional(),
    author: z.string().optional(),
  })
  .strict();

export type ConfigChange = z.infer<typeof configChangeSchema>;

export const historyEntrySchema = z
  .object({
    created: z.string().optional(),
    created_by: z.string().optional(),
    author: z.string().optional(),
    comment: z.string().optional(),
    empty_layer: z.boolean().optional(),
  })
  .strict();

export interface ChangeContext {
  /** History timestamp (RFC 3339), from SOURCE_DATE_EPOCH when set. */
  created?: string;
  /** Declared args with values at this instruction (for RUN history). */
  args?: Record<string, string>;
  sourceDescription?: string;
}

export type DescribedChange =
  | { change: ConfigChange; history: HistoryEntry; layer: boolean }
  | { error: string };

function argv(c: Command, shell: string[] | undefined): string[] {
  return c.form === 'exec' ? c.argv : [...(shell ?? DEFAULT_SHELL), c.text];
}

function changeOf(state: StageConfigState, ins: EvaluatedInstruction): ConfigChange | { error: string } {
  const c = state.image.config;
  switch (ins.kind) {
    case 'ENV':
      return { env: ins.pairs.map((p) => [p.key, p.value]) };
    case 'LABEL':
      return { labels: ins.pairs.map((p) => [p.key, p.value]) };
    case 'WORKDIR':
      return { workingDir: posix.resolve(c.WorkingDir || '/', ins.value) };
    case 'USER':
      return { user: ins.value };
    case 'EXPOSE': {
      const exposedPorts: string[] = [];
      for (const v of ins.values) {
        const ports = parsePortSpec(v);
        if ('error' in ports) return ports;
        exposedPorts.push(...ports);
      }
      return { exposedPorts };
    }
    case 'VOLUME':
      return { volumes: [...ins.values] };
    case 'CMD':
      return { cmd: argv(ins.command, c.Shell), cmdSet: true };
    case 'ENTRYPOINT':
      // Docker: an inherited CMD does not survive a new ENTRYPOINT
      return { entrypoint: argv(ins.command, c.Shell), ...(state.cmdSet ? {} : { cmd: null }) };
    case 'SHELL':
      return { shell: [...ins.argv] };
    case 'STOPSIGNAL':
      return isValidSignal(ins.value)
        ? { stopSignal: ins.value }
        : { error: `invalid STOPSIGNAL "${ins.value}"` };
    case 'HEALTHCHECK': {
      if (ins.test === 'NONE') return { healthcheck: { Test: ['NONE'] } };
      const Test = ins.test.form === 'exec' ? ['CMD', ...ins.test.argv] : ['CMD-SHELL', ins.test.text];
      const { interval, timeout, startPeriod, startInterval, retries } = ins;
      return {
        healthcheck: {
          Test,
          ...(interval ? { Interval: interval } : {}),
          ...(timeout ? { Timeout: timeout } : {}),
          ...(startPeriod ? { StartPeriod: startPeriod } : {}),
          ...(startInterval ? { StartInterval: startInterval } : {}),
          ...(retries ? { Retries: retries } : {}),
        },
      };
    }
    case 'ONBUILD':
      return { onBuild: ins.expression };
    case 'MAINTAINER':
      return { author: ins.value };
    default:
      return {}; // RUN, COPY, ADD, ARG: no config change
  }
}

/**
 * The change one evaluated instruction makes to the stage config `state` (read, never
 * modified) and its history entry. `layer` is true for RUN/COPY/ADD; other instructions are
 * metadata only (`empty_layer`). WORKDIR also makes the executor create the directory, but
 * Docker records it without a layer here. Pure; O(size of the instruction).
 */
export function describeChange(
  state: StageConfigState,
  ins: EvaluatedInstruction,
  ctx: ChangeContext = {},
): DescribedChange {
  const change = changeOf(state, ins);
  if ('error' in change) return { error: change.error };
  const layer = ins.kind === 'RUN' || ins.kind === 'COPY' || ins.kind === 'ADD';
  const history: HistoryEntry = {
    ...(ctx.created ? { created: ctx.created } : {}),
    created_by: createdBy(ins, {
      shell: state.image.config.Shell,
      args: ctx.args ?? {},
      sourceDescription: ctx.sourceDescription,
    }),
    ...(layer ? {} : { empty_layer: true }),
  };
  return { change, history, layer };
}
