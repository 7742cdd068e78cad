import { type ChainableCommander, Cluster, Redis } from 'ioredis';
import { SlipwayError } from './errors.js';

/** The Redis URL a command uses: its flag, else $REDIS_URL, else the local default. */
export function redisUrl(flag?: string): string {
  return flag ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * An ioredis connection for Slipway. `maxRetriesPerRequest: null` as BullMQ requires for
 * blocking connections; commands wait through reconnects instead of failing. A
 * `redis+cluster://[user:password@]host:port,host:port…` URL (`rediss+cluster://` for TLS)
 * connects to a Redis Cluster through those seed nodes: every Slipway key carries one hash
 * tag (KEY_PREFIX), so each command and script stays in one slot, and the Cluster client is
 * used through the same interface (typed as Redis: every command Slipway sends has the same
 * shape on both). A `redis+sentinel://[user:password@]host:port,host:port…/MASTER` URL asks
 * those Sentinels for master MASTER, and again after a failover. The caller owns it and calls
 * `quit()` (or `disconnect()` on the way out).
 */
export function connectRedis(url: string, name: string): Redis {
  const options = { maxRetriesPerRequest: null, connectionName: `slipway-${name}` };
  const cluster = clusterSeeds(url);
  if (cluster)
    return new Cluster(cluster.nodes, {
      redisOptions: { ...options, ...cluster.auth, ...(cluster.tls ? { tls: {} } : {}) },
    }) as unknown as Redis;
  const sentinel = sentinelSeeds(url);
  if (sentinel)
    return new Redis({
      ...options,
      ...sentinel.auth,
      sentinels: sentinel.nodes,
      name: sentinel.master,
      // Follows a failover: told by the Sentinels, or when the old master answers READONLY.
      failoverDetector: true,
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      ...(sentinel.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    });
  return new Redis(url, { ...options, lazyConnect: false });
}

/** The Sentinels, master name and credentials of a `redis+sentinel://` URL; undefined for any other URL. */
export function sentinelSeeds(url: string) {
  const m = /^(rediss?)\+sentinel:\/\/(.*)\/([^/?#]+)$/.exec(url);
  if (!m) return undefined;
  const seeds = clusterSeeds(`${m[1]}+cluster://${m[2]}`);
  if (!seeds)
    throw new SlipwayError(
      `Redis Sentinel URL ${JSON.stringify(url)}: expected redis+sentinel://HOST:PORT,…/MASTER`,
    );
  return { ...seeds, master: decodeURIComponent(m[3] as string) };
}

/** The seed nodes and credentials of a `redis+cluster://` URL; undefined for any other URL. */
export function clusterSeeds(
  url: string,
):
  | { nodes: { host: string; port: number }[]; auth: { username?: string; password?: string }; tls: boolean }
  | undefined {
  const m = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (!m) return undefined;
  const [user, password] = (m[2] ?? '').split(':').map(decodeURIComponent);
  const nodes = (m[3] as string).split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const port = Number(at === -1 ? 6379 : hp.slice(at + 1));
    const host = (at === -1 ? hp : hp.slice(0, at)).replace(/^\[|\]$/g, '');
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new SlipwayError(`Redis Cluster URL ${JSON.stringify(url)}: "${hp}" is not HOST:PORT`);
    return { host, port };
  });
  return {
    nodes,
    auth: {
      ...(user ? { username: user } : {}),
      ...(password !== undefined && password !== '' ? { password } : {}),
    },
    tls: m[1] === 'rediss',
  };
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

/** Runs a MULTI transaction; throws the first command's error (ioredis resolves those in the replies). */
export async function execAll(tx: ChainableCommander): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([err]) => err)?.[0];
  if (failed) throw failed;
}
