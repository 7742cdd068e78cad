/**
 * Slipway's error type. `category` tells callers whether a retry can help:
 * - `temporary`: network resets, 429/5xx, lock contention — retry with backoff;
 * - `permanent`: bad input, auth refused, digest mismatch — report once, clearly;
 * - `internal`: a bug or broken host setup — report with context.
 * `context` carries what a person needs to find the cause (image, step, job, digest, file:line).
 */
export type ErrorCategory = 'temporary' | 'permanent' | 'internal';

export class SlipwayError extends Error {
  readonly category: ErrorCategory;
  readonly context: Record<string, string | number | undefined>;

  constructor(
    message: string,
    opts: {
      category?: ErrorCategory;
      context?: Record<string, string | number | undefined>;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SlipwayError';
    this.category = opts.category ?? 'permanent';
    this.context = opts.context ?? {};
  }

  get temporary(): boolean {
    return this.category === 'temporary';
  }
}

/** True when `err` is worth retrying (a temporary SlipwayError or a connection-level failure). */
export function isTemporary(err: unknown): boolean {
  if (err instanceof SlipwayError) return err.temporary;
  const code = (err as { code?: string } | undefined)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED'
  );
}
