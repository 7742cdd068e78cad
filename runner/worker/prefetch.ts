import { existsSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { mirrorCommit } from '../../lib/git.js';
import { log } from '../../lib/log.js';
import { PrefetchHintSchema, wireKeys } from '../../pipelines/index.js';
import { dataDirPaths } from '../data-dir.js';

const logger = log.child({ module: 'runner/prefetch' });

/**
 * Fetching pushed commits ahead: the server publishes each verified push on
 * `wireKeys.prefetchChannel` before it plans the run; while `canTake()` says this runner has a
 * free slot, a commit of a repository it already mirrors (never a new one) is fetched into
 * that mirror at once. The job that follows finds the commit there, or waits for this fetch
 * rather than starting its own (mirrorCommit serialises fetches per mirror). Hints are best
 * effort: a lost, repeated or malformed one changes nothing; failures are only logged.
 * `close()` ends the subscription.
 */
export function prefetchOnHints(redis: Redis, dataDir: string, canTake: () => boolean): { close(): void } {
  const subscriber = redis.duplicate();
  void subscriber.subscribe(wireKeys.prefetchChannel).catch(() => undefined);
  subscriber.on('message', (_channel: string, text: string) => {
    if (!canTake()) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const hint = PrefetchHintSchema.safeParse(json);
    if (!hint.success) return;
    const mirror = dataDirPaths.runnerMirror(dataDir, hint.data.url);
    if (!existsSync(mirror)) return;
    const started = Date.now();
    mirrorCommit(mirror, hint.data.url, hint.data.commit).then(
      () => logger.debug({ commit: hint.data.commit, ms: Date.now() - started }, 'prefetched'),
      (err: Error) => logger.debug({ commit: hint.data.commit, err: err.message }, 'prefetch failed'),
    );
  });
  return { close: () => subscriber.disconnect() };
}
