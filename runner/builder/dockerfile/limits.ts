/**
 * Limits on a Dockerfile (untrusted input). Each is far above real Dockerfiles and keeps one
 * build's parse, evaluation and cache bounded; going over is an error naming the limit.
 *
 * - size 4 MiB: large heredoc scripts fit many times over; parsing 4 MiB takes well under a second.
 * - instructions 10,000 (FROM and global ARGs included; a base image's ONBUILD triggers are held
 *   to the same count): real Dockerfiles have tens, generated ones a few hundred; each
 *   instruction costs a cache entry and a history entry, and 10,000 build in seconds.
 * - one instruction 128 KiB (continuation lines joined, heredoc bodies apart): the kernel's
 *   limit on one exec argument (MAX_ARG_STRLEN), so a longer shell-form RUN could not run anyway.
 */
export const DOCKERFILE_LIMITS = {
  bytes: 4 * 1024 * 1024,
  instructions: 10_000,
  instructionBytes: 128 * 1024,
} as const;

/** A limit for an error message: `128 KiB`, `4 MiB`. */
export function formatLimit(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`;
}

/** The error for a Dockerfile of `size` bytes, or undefined within the limit. */
export function dockerfileTooLarge(size: number): string | undefined {
  if (size <= DOCKERFILE_LIMITS.bytes) return undefined;
  return `the Dockerfile is ${size} bytes; the limit is ${formatLimit(DOCKERFILE_LIMITS.bytes)}`;
}
