import { SlipwayError } from '../../lib/errors.js';
import type { QueuedJob } from '../../pipelines/index.js';

/**
 * The values of the secrets a queued job may have, fetched once from the server with the
 * job-scoped token (never in the queue). No `secrets` on the job: none. An unreachable server
 * is a temporary error (the job is retried); a refusal a permanent one.
 */
export async function fetchJobSecrets(job: QueuedJob): Promise<Record<string, string>> {
  if (!job.secrets) return {};
  let res: Response;
  try {
    res = await fetch(job.secrets.url, {
      headers: { authorization: `Bearer ${job.secrets.token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new SlipwayError(`could not fetch the job's secrets from the server: ${(err as Error).message}`, {
      category: 'temporary',
    });
  }
  if (!res.ok)
    throw new SlipwayError(`the server refused the job's secrets (HTTP ${res.status})`, {
      category: res.status >= 500 ? 'temporary' : 'permanent',
    });
  const body = (await res.json()) as unknown;
  if (body === null || typeof body !== 'object') throw new SlipwayError('the server sent no secrets object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
