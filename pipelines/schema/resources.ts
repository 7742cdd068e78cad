/**
 * Resource limits of steps and services: memory sizes, CPU quota, process counts and a job's
 * disk. Sizes
 * follow Docker: `512M`, `256MiB`, `256Mi`, `1G`, `1.5G`, `64k` or a plain number of bytes;
 * the units are binary (K = 2^10, M = 2^20, G = 2^30, T = 2^40) whatever the spelling. Shared by
 * the pipeline schema and `slipway exec --memory` / `--disk`. Pure; never throws.
 */
const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b|i)?|b)?$/i;
const UNIT: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

export const SIZE_HINT = 'a size like "512M", "1.5G", "256MiB" or a number of bytes';
/** The smallest memory limit accepted (Docker's minimum too): below it a shell cannot start. */
export const MIN_MEMORY_BYTES = 6 * 2 ** 20;
/** A job's disk (workspace plus every container's writes) may be 16M to 16T. */
export const MIN_DISK_BYTES = 16 * 2 ** 20;
export const MAX_DISK_BYTES = 16 * 2 ** 40;
export const MAX_CPUS = 1024;
export const MIN_PIDS = 16;
export const MAX_PIDS = 1_000_000;

/** `text` in bytes (fractions of a unit rounded down), or undefined when it is not a size. */
export function parseSize(text: string | number): number | undefined {
  const m = SIZE.exec(String(text).trim());
  if (!m || (!m[2] && m[1]?.includes('.'))) return undefined;
  const bytes = Math.floor(Number(m[1]) * (m[2] ? (UNIT[m[2].toLowerCase()] ?? 1) : 1));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A memory limit in bytes, or a problem a person understands. */
export function memoryLimit(input: string | number): { bytes: number } | { problem: string } {
  const bytes = parseSize(input);
  if (bytes === undefined) return { problem: `invalid memory size "${input}": expected ${SIZE_HINT}` };
  if (bytes < MIN_MEMORY_BYTES) return { problem: `memory "${input}" is below the minimum of 6M` };
  return { bytes };
}

/** A job's disk limit in bytes, or a problem a person understands. */
export function diskLimit(input: string | number): { bytes: number } | { problem: string } {
  const bytes = parseSize(input);
  if (bytes === undefined) return { problem: `invalid disk size "${input}": expected ${SIZE_HINT}` };
  if (bytes < MIN_DISK_BYTES || bytes > MAX_DISK_BYTES)
    return { problem: `disk "${input}" must be from 16M to 16T` };
  return { bytes };
}

/** Undefined when `n` is a valid CPU quota (cores, more than 0 and at most MAX_CPUS). */
export function cpusProblem(n: number): string | undefined {
  return Number.isFinite(n) && n > 0 && n <= MAX_CPUS
    ? undefined
    : `cpus must be more than 0 and at most ${MAX_CPUS}, got ${n}`;
}

/** Undefined when `n` is a valid process limit (a whole number from MIN_PIDS to MAX_PIDS). */
export function pidsProblem(n: number): string | undefined {
  return Number.isInteger(n) && n >= MIN_PIDS && n <= MAX_PIDS
    ? undefined
    : `pids must be a whole number from ${MIN_PIDS} to ${MAX_PIDS}, got ${n}`;
}
