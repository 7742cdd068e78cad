import type { Redis } from 'ioredis';
import { log as rootLog } from '../../lib/log.js';
import type { SealedEntry } from './log-spool.js';

const log = rootLog.child({ module: 'worker/log-writer' });

/** Matches Redis's refusal of an id not above the stream's top: that entry is already there. */
const ALREADY_THERE = /equal or smaller than the target stream top item/;
const SEND_ATTEMPTS = 5;

/**
 * The sending half of a LogWriter for stream `key`: each call sends one `XADD` per entry
 * (back to back, not waiting between them) and resolves true once Redis holds them all. Idempotent per entry: a refusal for an id not
 * above the stream's top means the entry is already there (resent after a reconnect, or sent
 * twice) and counts as stored. Other errors are retried with backoff, 5 attempts; then it
 * resolves false and logs (the entries may still sit in ioredis's offline queue).
 */
export function logSender(redis: Redis, key: string, jobId: string) {
  return async (batch: readonly SealedEntry[]): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      // One command each rather than a pipeline: ioredis writes them back to back all the same,
      // without first copying every entry into one more buffer.
      const results = await Promise.all(
        batch.map(({ entry }) =>
          redis.xadd(key, entry.id, ...entry.fields).then(
            () => undefined,
            (err: Error) => err,
          ),
        ),
      );
      const failed = results.find((err) => err && !ALREADY_THERE.test(err.message));
      if (!failed) return true;
      if (attempt >= SEND_ATTEMPTS) {
        const lines = batch.reduce((s, b) => s + b.lines, 0);
        log.error({ jobId, lines, err: failed }, 'log lines could not be stored; dropped');
        return false;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  };
}
