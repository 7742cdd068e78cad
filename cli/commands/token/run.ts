import { connectRedis } from '../../../lib/redis.js';
import { createApiToken } from '../../../server/store/index.js';
import type { ServerFlags } from '../../flags.js';
import { reportFailure } from '../../output.js';
import { apiRequest } from '../../server-api.js';

export interface TokenCreateOptions extends ServerFlags {
  name: string;
  redis?: string;
}

const REDIS_TIMEOUT_MS = 10_000;

/** `slipway token create`: prints the new token alone on stdout (through the API, or Redis). */
export async function tokenCreate(opts: TokenCreateOptions): Promise<void> {
  try {
    const token = opts.redis ? await offline(opts.redis, opts.name) : await online(opts);
    process.stdout.write(`${token}\n`);
  } catch (err) {
    reportFailure(err);
  }
}

async function online(opts: TokenCreateOptions): Promise<string> {
  const res = (await apiRequest(opts, 'POST', '/api/tokens', { name: opts.name })) as { token?: unknown };
  if (typeof res?.token !== 'string') throw new Error('the server answered without a token');
  return res.token;
}

async function offline(url: string, name: string): Promise<string> {
  const redis = connectRedis(url, 'token-create');
  redis.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`cannot reach Redis at ${url} within ${REDIS_TIMEOUT_MS / 1000} s`)),
        REDIS_TIMEOUT_MS,
      );
    });
    await Promise.race([redis.ping(), timeout]);
    return await createApiToken(redis, name);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
