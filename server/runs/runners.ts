import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { parseRunnerHeartbeat, type RunnerHeartbeat, wireKeys } from '../../pipelines/index.js';

const logger = log.child({ module: 'server/runs/runners' });

/**
 * Every runner's last heartbeat (the runners' hash), sorted by name, offline ones included
 * (see RUNNER_OFFLINE_MS). An entry that is not a valid heartbeat is left out and logged.
 */
export async function runnerHeartbeats(redis: Redis): Promise<RunnerHeartbeat[]> {
  const all = await redis.hgetall(wireKeys.runners);
  const out: RunnerHeartbeat[] = [];
  for (const [name, raw] of Object.entries(all)) {
    const beat = parseRunnerHeartbeat(raw);
    if (beat) out.push(beat);
    else logger.warn({ runner: name }, 'runner heartbeat is not valid; left out');
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
