import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { type RunnerHeartbeat, RunnerHeartbeatSchema, wireKeys } from '../../pipelines/index.js';

const logger = log.child({ module: 'server/runs/runners' });

/**
 * Every runner's last heartbeat (the runners' hash), sorted by name, offline ones included
 * (see RUNNER_OFFLINE_MS). An entry that is not a valid heartbeat is left out and logged.
 */
export async function runnerHeartbeats(redis: Redis): Promise<RunnerHeartbeat[]> {
  const all = await redis.hgetall(wireKeys.runners);
  const out: RunnerHeartbeat[] = [];
  for (const [name, raw] of Object.entries(all)) {
    let parsed: ReturnType<typeof RunnerHeartbeatSchema.safeParse>;
    try {
      parsed = RunnerHeartbeatSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = RunnerHeartbeatSchema.safeParse(undefined);
    }
    if (parsed.success) out.push(parsed.data);
    else logger.warn({ runner: name }, 'runner heartbeat is not valid; left out');
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
