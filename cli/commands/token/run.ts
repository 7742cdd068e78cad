import { connectRedis, pingRedis } from '../../../lib/redis.js';
import { createApiToken } from '../../../server/store/index.js';
import type { ServerFlags } from '../../flags.js';
import { reportFailure } from '../../output.js';
import { apiRequest } from '../../server-api.js';

export interface TokenCreateOptions extends ServerFlags {
  name: string;
  redis?: string;
}

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
  try {
    await pingRedis(redis, url);
    return await createApiToken(redis, name);
  } finally {
    redis.disconnect();
  }
}
