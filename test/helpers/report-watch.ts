import type { Redis } from 'ioredis';
import { parseRunnerReports, wireKeys } from '../../pipelines/index.js';

/**
 * Watches the report stream from now on: `seen` lists every report runners send, as
 * `<job>.<attempt>.<event type>`, duplicates included (applied entries are trimmed only seconds
 * later, long after this read them). Stopped after the test file by the caller's `stop()`.
 */
export async function watchReports(redis: Redis): Promise<{ seen: string[]; stop(): Promise<void> }> {
  const conn = redis.duplicate();
  const seen: string[] = [];
  const [latest] = await conn.xrevrange(wireKeys.reportStream, '+', '-', 'COUNT', 1);
  let last = latest?.[0] ?? '0-0';
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const reply = (await conn
        .xread('COUNT', 100, 'BLOCK', 500, 'STREAMS', wireKeys.reportStream, last)
        .catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        last = id;
        const parsed = parseRunnerReports(JSON.parse(fields[fields.indexOf('r') + 1] ?? 'null'));
        if (parsed.ok) for (const r of parsed.value) seen.push(`${r.jobId}.${r.attempt}.${r.event.type}`);
      }
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await loop;
      conn.disconnect();
    },
  };
}
