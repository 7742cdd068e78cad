import type { Redis } from '../lib/redis.js';

/**
 * What is wrong with a Redis for Slipway, one sentence each; empty when it is fine. Slipway's
 * queues and records must survive a Redis restart (AOF on) and must never be evicted under
 * memory pressure (`maxmemory-policy noeviction`). A Redis that refuses CONFIG GET (some managed
 * services rename it) gives a warning saying the settings could not be checked.
 */
export async function redisProblems(redis: Redis): Promise<string[]> {
  let aof: string | undefined;
  let policy: string | undefined;
  try {
    aof = await configValue(redis, 'appendonly');
    policy = await configValue(redis, 'maxmemory-policy');
  } catch (err) {
    return [
      `cannot read the Redis configuration (${(err as Error).message}): make sure appendonly is yes and maxmemory-policy is noeviction`,
    ];
  }
  const problems: string[] = [];
  if (aof !== 'yes')
    problems.push(
      `Redis has appendonly ${aof ?? 'unset'}: runs, queued jobs and logs are lost when Redis restarts (set appendonly yes, appendfsync everysec)`,
    );
  if (policy !== 'noeviction')
    problems.push(
      `Redis has maxmemory-policy ${policy ?? 'unset'}: under memory pressure it deletes queue and run keys (set maxmemory-policy noeviction)`,
    );
  return problems;
}

async function configValue(redis: Redis, name: string): Promise<string | undefined> {
  const reply = (await redis.config('GET', name)) as string[];
  return reply[1];
}
