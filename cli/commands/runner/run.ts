import { arch, hostname } from 'node:os';
import { connectRedis, pingRedis, redisUrl } from '../../../lib/redis.js';
import { dataDirPaths } from '../../../runner/data-dir.js';
import {
  builtRefs,
  createExecutor,
  registryCache,
  type SharedCache,
} from '../../../runner/executor/index.js';
import { openRunnerHost } from '../../../runner/host.js';
import { openRegistryClient, parseRepository } from '../../../runner/oci/index.js';
import { DEFAULT_JOB_DISK_BYTES, pooledRuntime } from '../../../runner/runtime/index.js';
import {
  type ArtifactUploader,
  createLogWriter,
  registryArtifactUploader,
  startRunnerWorker,
} from '../../../runner/worker/index.js';
import { type JobHostFlags, jobHostOptions } from '../../job-host-flags.js';
import { untilSignal } from '../../local/cancel.js';
import { requestDrain } from './drain.js';

const DEFAULT_GRACE_MS = 10 * 60_000;

/** How often a runner collects the jobs of processes of its data dir that died. */
const DEAD_PEER_GC_MS = 60_000;

export interface RunnerCommandOptions extends JobHostFlags {
  redis?: string;
  labels?: string;
  concurrency: number;
  name?: string;
  /** Milliseconds (default 10 minutes). */
  grace?: number;
  /** Ask the runner `name` to drain, and wait until it does (no runner is started). */
  drain?: boolean;
  /** Milliseconds (default JOB_LOCK_MS). */
  jobLock?: number;
  /** Milliseconds (default STALLED_CHECK_MS). */
  stalledCheck?: number;
  /** A registry repository (HOST[:PORT]/PATH) where job caches are shared with other runners. */
  cacheRegistry?: string;
  /** A registry repository (HOST[:PORT]/PATH) where jobs' artifacts are uploaded for the servers. */
  artifactRegistry?: string;
  runtime: string;
}

/**
 * The shared job cache of `--cache-registry` (default `$SLIPWAY_CACHE_REGISTRY`), if any. Its
 * registry client is its own, not the jobs': a job's `image:` can never name a cache artifact
 * (other branches' caches) even when the cache registry is on this host.
 */
async function openSharedCache(
  opts: RunnerCommandOptions,
  host: RunnerHost,
): Promise<SharedCache | undefined> {
  const shared = await ownRepository(
    opts.cacheRegistry ?? process.env.SLIPWAY_CACHE_REGISTRY,
    '--cache-registry',
    opts,
    host,
  );
  return shared && registryCache(shared.client, shared.repository, host.store);
}

/** Where jobs' artifacts go, from `--artifact-registry` (default `$SLIPWAY_ARTIFACT_REGISTRY`), with its own client as the cache has. */
async function openArtifactUploader(
  opts: RunnerCommandOptions,
  host: RunnerHost,
): Promise<ArtifactUploader | undefined> {
  const shared = await ownRepository(
    opts.artifactRegistry ?? process.env.SLIPWAY_ARTIFACT_REGISTRY,
    '--artifact-registry',
    opts,
    host,
  );
  return shared && registryArtifactUploader(shared.client, shared.repository, host.store.content);
}

type RunnerHost = Awaited<ReturnType<typeof openRunnerHost>>;

/** Registry repository `name` (named `flag` in errors) with a registry client of its own, if named. */
async function ownRepository(
  name: string | undefined,
  flag: string,
  opts: RunnerCommandOptions,
  host: RunnerHost,
) {
  if (!name) return undefined;
  const repository = parseRepository(name, flag);
  const client = await openRegistryClient({
    dataDir: host.dataDir,
    hostOnly: 'any',
    insecure: opts.insecureRegistry ?? [],
  });
  return { repository, client };
}

/** `linux,amd64`-style default labels of this host. */
export function defaultLabels(): string[] {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', riscv64: 'riscv64' };
  return ['linux', names[arch()] ?? arch()];
}

/**
 * `slipway runner`: opens the runner host (collecting what a crashed earlier runner left when
 * it is the data dir's only user), serves the label queues, and on SIGINT/SIGTERM drains: no
 * new jobs, running ones get `--grace` to finish, then go back to their queues. A second
 * signal hands them back at once.
 */
export async function runnerCommand(opts: RunnerCommandOptions): Promise<number> {
  const grace = opts.grace ?? DEFAULT_GRACE_MS;
  const url = redisUrl(opts.redis);
  const labels = opts.labels
    ? opts.labels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean)
    : defaultLabels();
  const name = opts.name ?? hostname();
  const redis = connectRedis(url, `runner-${name}`);
  redis.on('error', () => undefined);
  try {
    await pingRedis(redis, url);
  } catch (err) {
    redis.disconnect();
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
  if (opts.drain) {
    try {
      return await requestDrain(redis, name);
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
  }
  const host = await openRunnerHost({ ...jobHostOptions(opts), runtime: { binary: opts.runtime } });
  const lease = await host.lease();
  let peerGc: NodeJS.Timeout | undefined;
  try {
    if (lease.sole) {
      const gc = await host.gc();
      if (gc.containers || gc.workspaces)
        console.log(
          `removed ${gc.containers} container(s) and ${gc.workspaces} workspace(s) left by a crashed runner`,
        );
    }
    // With other processes on the data dir, those of their jobs whose process died, now and
    // every minute (a peer killed outright leaves its containers, mounts and networks).
    const peers = async () => {
      const jobs = await host.gcDeadPeers().catch(() => []);
      if (jobs.length)
        console.log(`removed ${jobs.length} job(s) left by a process of this data dir that died`);
    };
    if (!lease.sole) await peers();
    peerGc = setInterval(() => void peers(), DEAD_PEER_GC_MS);
    // Each slot's job network and disk, its next job's made ahead (see pooledRuntime), and one
    // more: a slot takes its next job while its last job's environment is still being recycled.
    const runtime = pooledRuntime(await host.runtime(), {
      size: 2 * opts.concurrency + 1,
      network: 'bridge',
      diskBytes: host.jobDiskBytes ?? DEFAULT_JOB_DISK_BYTES,
    });
    const registry = await host.registry();
    const built = builtRefs();
    const sharedCache = await openSharedCache(opts, host);
    const artifacts = await openArtifactUploader(opts, host);
    const worker = await startRunnerWorker({
      redis,
      name,
      labels,
      concurrency: opts.concurrency,
      dataDir: host.dataDir,
      executorFor: (secrets) =>
        createExecutor({
          host: { ...host, registry, built },
          runtime,
          secret: (n) => secrets[n],
          ...(sharedCache ? { sharedCache } : {}),
        }),
      openLog: (jobId) => createLogWriter(redis, jobId, { spoolDir: dataDirPaths.logSpools(host.dataDir) }),
      ...(opts.jobLock !== undefined ? { lockMs: opts.jobLock } : {}),
      ...(opts.stalledCheck !== undefined ? { stalledCheckMs: opts.stalledCheck } : {}),
      ...(artifacts ? { artifacts } : {}),
    });
    console.log(
      `slipway runner ${name} [${labels.join(', ')}] taking jobs from ${url} (${opts.concurrency} at once)`,
    );
    const sig = await Promise.race([untilSignal(), worker.drainRequested.then(() => 'drain requested')]);
    console.log(
      `${sig}: finishing ${worker.running.length} running job(s), at most ${grace / 1000}s; again to hand them back now`,
    );
    const stopped = worker.stop(grace);
    void untilSignal().then(() => worker.stop(0));
    await stopped;
    clearInterval(peerGc);
    await runtime.close();
  } finally {
    clearInterval(peerGc);
    await lease.release();
    await redis.quit().catch(() => redis.disconnect());
  }
  return 0;
}
