import { setTimeout as sleep } from 'node:timers/promises';
import { excerpt, oneLine } from '../../lib/excerpt.js';
import type { StatusRequest } from './forges.js';
import type { StatusReport } from './status.js';

/** How hard one status is pushed through before it is given up (all times in ms). */
export interface SendPolicy {
  /** Tries including the first. */
  attempts: number;
  /** First backoff; doubles each try (with jitter), capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` waited out; a longer hint gives up at once. */
  maxRetryAfterMs: number;
  /** Each request's own timeout. */
  requestTimeoutMs: number;
  /** All tries and waits of one status together; no retry starts past it. */
  totalMs: number;
}

/** 5 tries, 1 s doubling to 30 s, `Retry-After` up to 60 s, 10 s a request, 2 min in all. */
export const DEFAULT_SEND_POLICY: SendPolicy = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 10_000,
  totalMs: 120_000,
};

/** Longest piece of a forge's answer quoted in an error. */
const MAX_ANSWER_CHARS = 200;

type Attempt = { done: StatusReport } | { retry: string; status?: number; retryAfterMs?: number };

/** `Retry-After` (seconds, or an HTTP date) in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** The forge's answer, one cleaned, cut line: its `message` field when it is JSON with one. */
async function answer(res: Response, redact: (s: string) => string): Promise<string> {
  const text = await res.text().catch(() => '');
  let message = text;
  try {
    const json: unknown = JSON.parse(text);
    const m = (json as { message?: unknown }).message;
    if (typeof m === 'string') message = m;
    else if (m !== undefined) message = JSON.stringify(m);
  } catch {}
  return excerpt(oneLine(redact(message)), MAX_ANSWER_CHARS);
}

async function attempt(req: StatusRequest, policy: SendPolicy, redact: (s: string) => string, n: number) {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: JSON.stringify(req.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(policy.requestTimeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${policy.requestTimeoutMs} ms` : e.cause?.code;
    const host = new URL(req.url).host;
    return {
      retry: `cannot reach ${host}: ${redact(why ?? e.cause?.message ?? e.message)}`,
    } satisfies Attempt;
  }
  if (res.status >= 300 && res.status < 400) {
    // Not followed: the token would travel to wherever the answer points.
    await res.body?.cancel().catch(() => {});
    const error = `HTTP ${res.status}: redirected, not followed (set the repository's API URL to the final one)`;
    return { done: { ok: false, error, status: res.status, attempts: n } } satisfies Attempt;
  }
  if (res.ok) {
    await res.body?.cancel().catch(() => {});
    return { done: { ok: true, attempts: n } } satisfies Attempt;
  }
  const message = `HTTP ${res.status}${(await answer(res, redact)).replace(/^(?=.)/, ': ')}`;
  if (res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return { retry: message, status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { done: { ok: false, error: message, status: res.status, attempts: n } } satisfies Attempt;
}

/**
 * Sends `req` until the forge accepts it, refuses it for good (a 4xx other than 429), or the
 * policy runs out; retries network errors, 5xx and 429 with jittered exponential backoff, or
 * after `Retry-After`. `superseded` aborts the waits between tries: a newer status for the same
 * commit and context makes retrying this one pointless (a request already sent is awaited,
 * never abandoned). Never throws; `redact` removes the token from anything quoted.
 */
export async function sendStatus(
  req: StatusRequest,
  opts: { policy: SendPolicy; redact: (s: string) => string; superseded: AbortSignal },
): Promise<StatusReport> {
  const { policy, redact } = opts;
  const deadline = Date.now() + policy.totalMs;
  for (let n = 1; ; n++) {
    const a: Attempt = await attempt(req, policy, redact, n);
    if ('done' in a) return a.done;
    const failed = {
      ok: false as const,
      error: a.retry,
      attempts: n,
      ...(a.status ? { status: a.status } : {}),
    };
    if (n >= policy.attempts) return { ...failed, error: `${a.retry} (gave up after ${n} tries)` };
    const backoff =
      Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)) * (0.5 + Math.random() / 2);
    if (a.retryAfterMs !== undefined && a.retryAfterMs > policy.maxRetryAfterMs)
      return {
        ...failed,
        error: `${a.retry} (Retry-After ${Math.ceil(a.retryAfterMs / 1000)} s is too long)`,
      };
    const delay = a.retryAfterMs ?? backoff;
    if (Date.now() + delay + policy.requestTimeoutMs > deadline)
      return { ...failed, error: `${a.retry} (gave up after ${n} tries: ${policy.totalMs} ms budget)` };
    const waited = await sleep(delay, true, { signal: opts.superseded }).catch(() => false);
    if (!waited) return { ok: false, skipped: 'superseded by a newer status before a retry' };
  }
}
