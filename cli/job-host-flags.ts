import { type Command, InvalidArgumentError } from 'commander';
import {
  cpusProblem,
  DURATION_HINT,
  diskLimit,
  memoryLimit,
  parseDuration,
  parseSize,
  pidsProblem,
  SIZE_HINT,
} from '../pipelines/index.js';
import type { RunnerHostOptions } from '../runner/host.js';
import type { ResourceLimits } from '../runner/runtime/index.js';
import { addHostFlags, collect, type HostFlags } from './flags.js';

// The flags of commands that run jobs (exec, runner): their parsers check values with the
// pipeline language's rules, so this file loads pipelines/ (and its YAML and zod); only the
// commands that need it import it.
/**
 * `--memory`, `--cpus`, `--pids`: the runner's default limits for every container whose
 * pipeline sets none (per field). Values are checked with the pipeline language's own rules, so
 * `--memory 512M` means what `resources: { memory: 512M }` means.
 */
export interface LimitFlags {
  memory?: number;
  cpus?: number;
  pids?: number;
  /** `--disk`: per job (workspace and container writes), not per container; see openRunnerHost. */
  disk?: number;
}

export function parseMemoryOption(value: string): number {
  const r = memoryLimit(value);
  if ('problem' in r) throw new InvalidArgumentError(r.problem);
  return r.bytes;
}

/** `--disk SIZE`: a job's disk where its pipeline sets none, checked as `resources.disk` is. */
export function parseDiskOption(value: string): number {
  const r = diskLimit(value);
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

/** The host's default container limits for the given flags; undefined when none was given. */
export function defaultLimits(f: LimitFlags): ResourceLimits | undefined {
  const limits: ResourceLimits = {};
  if (f.memory !== undefined) limits.memoryBytes = f.memory;
  if (f.cpus !== undefined) limits.cpus = f.cpus;
  if (f.pids !== undefined) limits.pids = f.pids;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** A size flag (`--artifacts-limit 1G`): bytes, with the pipeline language's units. */
export function parseSizeOption(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new InvalidArgumentError(`invalid size "${value}": expected ${SIZE_HINT}`);
  return bytes;
}

/** A duration flag (`--grace 10m`): milliseconds, with the pipeline language's `45s`/`10m`/`1h30m`. */
export function parseDurationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new InvalidArgumentError(`invalid duration "${value}": expected ${DURATION_HINT}`);
  return ms;
}

/** The flags of a command that runs jobs on this host (`exec`, `runner`). */
export interface JobHostFlags extends HostFlags, LimitFlags {
  allowRegistry?: string[];
}

/**
 * Adds the flags of a command that runs jobs on this host: the default container limits
 * (`--memory`, `--disk`, `--cpus`, `--pids`), `--data-dir`, `--insecure-registry` and
 * `--allow-registry`.
 */
export function addJobHostFlags(cmd: Command): Command {
  cmd
    .option(
      '--memory <size>',
      'memory limit of every step and service whose pipeline sets none (512M, 1G; default 2G, at most half the host)',
      parseMemoryOption,
    )
    .option(
      '--disk <size>',
      "disk of every job whose pipeline sets none: its workspace plus its containers' writes (default 10G)",
      parseDiskOption,
    )
    .option('--cpus <n>', 'CPU limit (cores, e.g. 1.5) where the pipeline sets none', parseCpusOption)
    .option('--pids <n>', 'process limit where the pipeline sets none (default 1024)', parsePidsOption);
  return addHostFlags(cmd, true).option(
    '--allow-registry <host>',
    'let jobs pull from this registry although it is on a loopback or link-local address (repeatable)',
    collect,
  );
}

/** The runner host options addJobHostFlags' flags give (the caller adds the runtime). */
export function jobHostOptions(f: JobHostFlags): RunnerHostOptions {
  return {
    dataDir: f.dataDir,
    insecureRegistries: f.insecureRegistry,
    hostRegistries: f.allowRegistry ?? [],
    limits: defaultLimits(f),
    ...(f.disk ? { jobDiskBytes: f.disk } : {}),
  };
}
