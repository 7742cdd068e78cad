import { SlipwayError } from '../../../lib/errors.js';
import { excerpt, oneLine } from '../../../lib/excerpt.js';

/** The part of a response (fetch's or HttpResponse) that responseError reads. */
export interface ErrorResponse {
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * Turns a failed registry response into a SlipwayError: 429/5xx are temporary (with the
 * `Retry-After` hint), everything else permanent. The registry's error body (the
 * distribution-spec `errors[]` JSON) is summarised in the message. Consumes the body.
 */
export async function responseError(
  res: ErrorResponse,
  what: string,
  registry: string,
): Promise<SlipwayError> {
  let detail = '';
  try {
    const text = (await res.text()).slice(0, 2000);
    try {
      const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
      detail = excerpt(
        oneLine((body.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')),
        300,
      );
    } catch {
      // Not a registry's error JSON: whatever answered may be any service. Say little of it.
      detail = excerpt(oneLine(text), 80);
    }
  } catch {}
  const temporary = res.status === 429 || res.status >= 500;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  return new SlipwayError(
    `${what}: registry ${registry} answered ${res.status} ${res.statusText}${detail ? ` (${detail})` : ''}`,
    {
      category: temporary ? 'temporary' : 'permanent',
      context: {
        registry,
        status: res.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    },
  );
}

/** `Retry-After` (seconds, or an HTTP date) in ms from now; undefined when absent or past. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Whether `host` (with optional port) is this machine: plain HTTP is allowed there. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
