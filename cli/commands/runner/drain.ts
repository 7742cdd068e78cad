import type { Redis } from 'ioredis';
import { RUNNER_OFFLINE_MS, type RunnerHeartbeat, wireKeys } from '../../../pipelines/index.js';

/** How long a drain request waits for its runner (a runner started later ignores it). */
const REQUEST_TTL_S = 600;

const heartbeatOf = async (redis: Redis, name: string): Promise<RunnerHeartbeat | undefined> => {
  const json = await redis.hget(wireKeys.runners, name);
  return json ? (JSON.parse(json) as RunnerHeartbeat) : undefined;
};

/**
 * `slipway runner --drain --name NAME`: asks the running runner NAME (through Redis, from any
 * host) to drain as on SIGTERM: no new job, running ones get its `--grace`, then go back to
 * their queues, and it exits. Waits until the runner says it is draining (its next heartbeat).
 * Returns the exit code: 1 when no runner of that name is online or it does not answer.
 */
export async function requestDrain(redis: Redis, name: string, timeoutMs = 15_000): Promise<number> {
  const beat = await heartbeatOf(redis, name);
  if (!beat || Date.now() - beat.lastSeen >= RUNNER_OFFLINE_MS) {
    console.error(`error: no runner named ${JSON.stringify(name)} is online (see GET /api/runners)`);
    return 1;
  }
  await redis.set(wireKeys.drain(name), String(Date.now()), 'EX', REQUEST_TTL_S);
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    const now = await heartbeatOf(redis, name);
    if (!now) {
      console.log(`runner ${name} drained and stopped`);
      return 0;
    }
    if (now.draining) {
      console.log(
        `runner ${name} is draining: no new jobs; ${now.running.length} running job(s) finish within its --grace, then it stops`,
      );
      return 0;
    }
  }
  console.error(`error: runner ${name} did not start draining within ${timeoutMs / 1000}s`);
  return 1;
}
