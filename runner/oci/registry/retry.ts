import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../../lib/errors.js';

/** How often and how patiently temporary failures are retried. */
export interface RetryPolicy {
  /** Total tries including the first (default 5). */
  attempts: number;
  /** First backoff delay; doubles each time with jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Longest `Retry-After` honoured (default 60 s): a registry's hint is waited out in full
   * even when it exceeds `maxDelayMs`, up to this.
   */
  maxRetryAfterMs?: number;
}

const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * True for failures another try may fix: a temporary SlipwayError (429/5xx), or a connection
 * reset/abort anywhere in the `cause` chain (undici wraps them in `TypeError: fetch failed` or
 * `terminated`).
 */
export function isRetryable(err: unknown): boolean {
  for (
    let e = err as { code?: string; cause?: unknown; message?: string } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e instanceof SlipwayError) return e.temporary;
    if (e.code && RETRYABLE_CODES.has(e.code)) return true;
    if (e instanceof TypeError && (e.message === 'terminated' || e.message === 'fetch failed') && !e.cause)
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Delay hinted by the error (`Retry-After`), if any, in ms. */
function hintedDelay(err: unknown): number | undefined {
  const v = err instanceof SlipwayError ? err.context.retryAfterMs : undefined;
  return typeof v === 'number' ? v : undefined;
}

/**
 * Runs `fn` until it succeeds, a non-retryable error is thrown, or attempts run out (then the
 * last error is thrown). Waits with jittered exponential backoff, or exactly as long as the
 * error's `Retry-After` hint says. `onRetry` sees each retried error (for logging).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !isRetryable(err)) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const hinted = hintedDelay(err);
      const delay =
        hinted === undefined
          ? backoff * (0.5 + Math.random() / 2)
          : Math.min(hinted, policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
      onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
