import { Redis } from 'ioredis';
import { SlipwayError } from './errors.js';

/** The Redis URL a command uses: its flag, else $REDIS_URL, else the local default. */
export function redisUrl(flag?: string): string {
  return flag ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * An ioredis connection for Slipway. `maxRetriesPerRequest: null` as BullMQ requires for
 * blocking connections; commands wait through reconnects instead of failing. The caller owns
 * it and calls `quit()` (or `disconnect()` on the way out).
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `slipway-${name}`,
    lazyConnect: false,
  });
}

export type { Redis };

/** Resolves once `redis` answers PING; rejects naming `url` when it does not within `timeoutMs`. */
export async function pingRedis(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SlipwayError(`cannot reach Redis at ${url} within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
