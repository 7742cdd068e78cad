import { SlipwayError } from '../lib/errors.js';
import type { ServerFlags } from './flags.js';

/** Where the API commands go: `--server`, else $SLIPWAY_SERVER, else the local default. */
export function serverUrl(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): string {
  return (flags.server ?? env.SLIPWAY_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/**
 * One JSON API request to the server with the caller's token (`--token`, else $SLIPWAY_TOKEN).
 * Resolves with the parsed body (undefined for 204); an error answer throws with the server's
 * `{error, message}`, an unreachable server with its URL.
 */
export async function apiRequest(
  flags: ServerFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const base = serverUrl(flags);
  const token = flags.token ?? process.env.SLIPWAY_TOKEN;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new SlipwayError(
      `cannot reach the Slipway server at ${base} (${cause}); set --server or SLIPWAY_SERVER`,
    );
  }
  const text = await res.text();
  if (res.ok) return text ? (JSON.parse(text) as unknown) : undefined;
  let detail = text.slice(0, 200);
  try {
    const e = JSON.parse(text) as { error?: string; message?: string };
    detail = `${e.error}: ${e.message}`;
  } catch {}
  const hint = res.status === 401 && !token ? ' (no token: pass --token or set SLIPWAY_TOKEN)' : '';
  throw new SlipwayError(`server answered ${res.status} ${detail}${hint}`);
}
