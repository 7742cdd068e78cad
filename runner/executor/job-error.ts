import { isTemporary, SlipwayError } from '../../lib/errors.js';
import type { JobError } from '../../pipelines/index.js';

/**
 * The JobResult `error` of something the executor caught: its message, whether a retry may help
 * (a temporary SlipwayError or a connection-level failure; an internal error is permanent on
 * the wire, since running the same job again on the same host will not fix it), and the
 * SlipwayError's context as strings.
 */
export function jobError(err: unknown): JobError {
  const message = (err instanceof Error ? err.message : String(err)) || 'unknown error';
  const context: Record<string, string> = {};
  if (err instanceof SlipwayError) {
    for (const [k, v] of Object.entries(err.context)) if (v !== undefined) context[k] = String(v);
  }
  return { message, category: isTemporary(err) ? 'temporary' : 'permanent', context };
}

/** The error of a job stopped from outside: cancelled by its signal, or past its timeout. */
export function stoppedError(cancelled: boolean, timeoutMs: number): JobError {
  return cancelled
    ? { message: 'cancelled', category: 'permanent', context: {} }
    : {
        message: `timed out after ${timeoutMs / 1000}s`,
        category: 'permanent',
        context: { timeoutMs: String(timeoutMs) },
      };
}
