import { InvalidArgumentError } from 'commander';
import { cpusProblem, memoryLimit, pidsProblem } from '../pipelines/schema/resources.js';
import { containerLimits } from '../runner/executor/steps.js';
import type { ResourceLimits } from '../runner/runtime/types.js';

/**
 * `--memory`, `--cpus`, `--pids`: the runner's default limits for every container whose
 * pipeline sets none (per field). Values are checked with the pipeline language's own rules, so
 * `--memory 512M` means what `resources: { memory: 512M }` means.
 */
export interface LimitOptions {
  memory?: number;
  cpus?: number;
  pids?: number;
}

export function parseMemoryOption(value: string): number {
  const r = memoryLimit(value);
  if ('problem' in r) throw new InvalidArgumentError(r.problem);
  return r.bytes;
}

export function parseCpusOption(value: string): number {
  const n = /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isNaN(n)) throw new InvalidArgumentError(`expected a number of CPUs, like 1 or 1.5`);
  const problem = cpusProblem(n);
  if (problem) throw new InvalidArgumentError(problem);
  return n;
}

export function parsePidsOption(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isNaN(n)) throw new InvalidArgumentError(`expected a process limit, like 256`);
  const problem = pidsProblem(n);
  if (problem) throw new InvalidArgumentError(problem);
  return n;
}

/** The runtime's `defaultLimits` for the given options; undefined when none was given. */
export function defaultLimits(opts: LimitOptions): ResourceLimits | undefined {
  const limits = containerLimits({ memoryBytes: opts.memory, cpus: opts.cpus, pids: opts.pids });
  return Object.keys(limits).length > 0 ? limits : undefined;
}
