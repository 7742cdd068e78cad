import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { type CacheTrimmer, cacheTrimmer } from '../lib/cache-trim.js';
import { SlipwayError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { connectRedis, pingRedis } from '../lib/redis.js';
import { STALLED_CHECK_MS } from '../pipelines/index.js';
import { openRegistryClient, parseRepository } from '../runner/oci/index.js';
import { createApp } from './app.js';
import { bullJobQueue, consumeReports, startStalledChecks } from './queue/index.js';
import { redisProblems } from './redis-check.js';
import { applyReports, type RunsDeps, startReconciler } from './runs/index.js';
import { createCommitStatusReporter } from './statuses/index.js';
import {
  type ArtifactFiles,
  createLogArchiver,
  fileLogArchive,
  type LogArchive,
  loadServerKey,
  RepoStore,
  registryArtifactFiles,
  registryLogArchive,
} from './store/index.js';

const logger = log.child({ module: 'server' });

/** How to start a server; see `slipway server`. */
export interface ServerOptions {
  /** `host:port` to listen on (port 0: any free port). */
  listen: string;
  redisUrl: string;
  /** The server's data dir: the secret key file, the repositories' mirrors, the log archive. */
  dataDir: string;
  /** Base URL runners and forges reach this server at (default: `http://<listen>`). */
  publicUrl?: string;
  /** Where finished logs go (default: `logArchive` when given, else the data dir, `fileLogArchive`). */
  archive?: LogArchive;
  /**
   * A registry repository (`host[:port]/path`) to archive finished logs in, so that every
   * server of one Redis reads them (registryLogArchive; credentials from the data dir's
   * auth.json, then Docker's config).
   */
  logArchive?: string;
  /**
   * The registry repository (`host[:port]/path`) runners upload jobs' artifacts to (`slipway
   * runner --artifact-registry`, the same one): `GET /api/jobs/{id}/artifacts/…` reads them
   * from local copies under `<dataDir>/artifact-cache`, fetched on first use.
   */
  artifactRegistry?: string;
  /**
   * At most this many bytes in each local cache of registry copies (`log-cache`,
   * `artifact-cache`); the least recently used entries go first (default CACHE_MAX_BYTES).
   */
  cacheMaxBytes?: number;
  /**
   * How often the label queues are checked for jobs whose runner was lost, and the active runs
   * brought in line with the queues (default STALLED_CHECK_MS).
   */
  stalledCheckMs?: number;
  /** Told each Redis configuration problem (they are also logged as warnings). */
  onWarning?(problem: string): void;
}

/** A started server. `close()` stops taking requests and reports, then closes its connections. */
export interface RunningServer {
  /** The base URL it listens on. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a Slipway server: checks Redis (reachable; AOF and noeviction, warned about loudly
 * otherwise), opens the secret keyring, consumes runner reports (exactly once in effect, so
 * several servers may share a Redis), checks the label queues for jobs whose runner was lost
 * and reconciles the active runs with the queues (at start, then every `stalledCheckMs`),
 * reports commit statuses and serves the HTTP app.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { hostname, port } = parseListen(opts.listen);
  const redis = connectRedis(opts.redisUrl, 'server');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
  await pingRedis(redis, opts.redisUrl).catch((err) => {
    redis.disconnect();
    throw err;
  });
  for (const problem of await redisProblems(redis)) {
    logger.warn({ redis: opts.redisUrl }, `WARNING: ${problem}`);
    opts.onWarning?.(problem);
  }
  const repos = new RepoStore(redis, await loadServerKey(opts.dataDir));
  const archive = opts.archive ?? (await openLogArchive(opts));
  const queue = bullJobQueue(redis);
  const archiver = createLogArchiver(redis, archive);
  const http = serve({ fetch: (req) => app.fetch(req), hostname, port }) as Server;
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve);
    http.once('error', (err) =>
      reject(new SlipwayError(`cannot listen on ${opts.listen}: ${err.message}`, { cause: err })),
    );
  });
  const bound = http.address() as AddressInfo;
  const url = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${bound.port}`;
  const deps: RunsDeps = {
    redis,
    queue,
    repos,
    dataDir: opts.dataDir,
    publicUrl: (opts.publicUrl ?? url).replace(/\/+$/, ''),
    statuses: createCommitStatusReporter(),
    onJobStarted: (jobId) => archiver.follow(jobId),
    onJobFinished: (jobId) => archiver.finish(jobId),
  };
  const artifactFiles = await openArtifactFiles(opts);
  const app = createApp({ ...deps, archive, ...(artifactFiles ? { artifactFiles } : {}) });
  const reports = consumeReports(redis, (batch) => applyReports(deps, batch));
  const checkEvery = opts.stalledCheckMs ?? STALLED_CHECK_MS;
  const stalled = startStalledChecks(redis, { intervalMs: checkEvery });
  const reconciler = startReconciler(deps, checkEvery);
  logger.info({ url, publicUrl: deps.publicUrl, dataDir: opts.dataDir }, 'server listening');
  return {
    url,
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // Live log streams never end by themselves: give them a moment, then cut them.
      const cut = setTimeout(() => http.closeAllConnections(), 1_000);
      await reports.close();
      await reconciler.close();
      await stalled.close();
      archiver.close();
      await closed;
      clearTimeout(cut);
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
      logger.info({ url }, 'server stopped');
    },
  };
}

/** The registry archive of `logArchive` (its registry checked, a warning when unreachable), else the file archive. */
async function openLogArchive(opts: ServerOptions): Promise<LogArchive> {
  if (!opts.logArchive) return fileLogArchive(opts.dataDir);
  const { client, repository } = await checkedRepository(
    opts,
    opts.logArchive,
    '--log-archive',
    'log archive',
  );
  return registryLogArchive({ client, repository, ...localCache(opts, 'log-cache') });
}

/** The local copies of `artifactRegistry`'s artifacts, when one is given (its registry checked like the log archive's). */
async function openArtifactFiles(opts: ServerOptions): Promise<ArtifactFiles | undefined> {
  if (!opts.artifactRegistry) return undefined;
  const { client, repository } = await checkedRepository(
    opts,
    opts.artifactRegistry,
    '--artifact-registry',
    'artifact registry',
  );
  return registryArtifactFiles({ client, repository, ...localCache(opts, 'artifact-cache') });
}

/** A server's local copies of registry content each stay under this by default: 2 GiB. */
export const CACHE_MAX_BYTES = 2 * 2 ** 30;

/** Local cache `name` under the data dir, trimmed to `cacheMaxBytes`. */
function localCache(opts: ServerOptions, name: string): { cacheDir: string; trimmer: CacheTrimmer } {
  const cacheDir = join(opts.dataDir, name);
  return { cacheDir, trimmer: cacheTrimmer(cacheDir, { maxBytes: opts.cacheMaxBytes ?? CACHE_MAX_BYTES }) };
}

/** Registry repository `name` (flag `flag` in errors) and a client for it; a registry that does not answer is warned about (`what` names it). */
async function checkedRepository(opts: ServerOptions, name: string, flag: string, what: string) {
  const repository = parseRepository(name, flag);
  const client = await openRegistryClient({ dataDir: opts.dataDir, hostOnly: 'any' });
  await client.ping(repository.registry).catch((err: Error) => {
    const problem = `the ${what}'s registry ${repository.registry} does not answer: ${err.message}`;
    logger.warn(`WARNING: ${problem}`);
    opts.onWarning?.(problem);
  });
  return { client, repository };
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseListen(listen: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535)
    throw new SlipwayError(`--listen takes HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(listen)}`);
  return { hostname: m[1] ?? (m[2] || '0.0.0.0'), port };
}
