import { chmod, mkdir, stat } from 'node:fs/promises';
import { type Logger, log as rootLog } from '../lib/log.js';
import { dataDirPaths, defaultDataDir } from './data-dir.js';
import { type DataDirGcReport, gcDataDir } from './data-dir-gc.js';
import { type DataDirLease, leaseDataDir } from './data-dir-lease.js';
import { ImageResolver } from './job-images.js';
import {
  type HostOnlyPolicy,
  type ImageStore,
  type ImageStoreOptions,
  openImageStore,
  openRegistryClient,
  type PullProgress,
  type RegistryClient,
} from './oci/index.js';
import {
  type EgressPolicy,
  gcDeadOwnersJobs,
  gcRuntime,
  openRuntime,
  type ResourceLimits,
  type Runtime,
  type RuntimeGcReport,
  type UsernsMapping,
} from './runtime/index.js';

/** How to open a runner host. Every field has a default. */
export interface RunnerHostOptions {
  /** The data dir (default `$SLIPWAY_DATA_DIR`, else `/var/lib/slipway`). */
  dataDir?: string;
  /** Registry hosts allowed over plain HTTP besides loopback ones (`--insecure-registry`). */
  insecureRegistries?: readonly string[];
  /**
   * Registries on loopback or link-local addresses the host may contact (`--allow-registry`;
   * hosts in `insecureRegistries` count as named too). Default none: a job's `image:` naming
   * `127.0.0.1:6379/x` fails clearly instead of reaching a host-local service. `'any'` for the
   * operator's own commands (`slipway pull`, `push`, `build`).
   */
  hostRegistries?: HostOnlyPolicy;
  /** The OCI runtime binary and its options, or a ready Runtime (default: runc on the data dir). */
  runtime?: { binary?: string; compatSyscalls?: boolean; userns?: UsernsMapping } | Runtime;
  /** Limits of every container whose pipeline sets none (`--memory`, `--cpus`, `--pids`). */
  limits?: ResourceLimits;
  /** What jobs may reach outside their network (default: everything but link-local). */
  egress?: EgressPolicy;
  /** A job's disk where its pipeline sets none (`--disk`; default 10 GiB, see DEFAULT_JOB_DISK_BYTES). */
  jobDiskBytes?: number;
  /** Image store budget and GC grace. */
  store?: ImageStoreOptions;
  /** Called for each pulled blob when a job's image is pulled. */
  onPull?: (ref: string, p: PullProgress) => void;
}

/** What `RunnerHost.gc()` removed. */
export type HostGcReport = RuntimeGcReport & DataDirGcReport;

/**
 * One runner host: the data dir and everything opened on it. The registry client and the
 * runtime are made on first use (a fully cached build loads neither the HTTP stack nor runc's),
 * then shared. Nothing to close; `lease()` returns a claim the caller releases.
 */
export interface RunnerHost {
  readonly dataDir: string;
  readonly store: ImageStore;
  /** A job's disk where its pipeline sets none (the executor's default). */
  readonly jobDiskBytes?: number;
  /** The registry client: credentials from `<dataDir>/auth.json`, then Docker's config. */
  registry(): Promise<RegistryClient>;
  runtime(): Promise<Runtime>;
  /** Job images: from the store, or pulled once; held while a job uses them. */
  readonly images: ImageResolver;
  /** Registers this process as a user of the data dir (see `leaseDataDir`). */
  lease(): Promise<DataDirLease>;
  /**
   * Removes what a crashed run of this data dir left: containers, mounts, networks, then
   * workspaces, build scratch and cache-mount lock files. Only when `sole`.
   */
  gc(log?: Logger): Promise<HostGcReport>;
  /**
   * Removes the runtime state (containers, mounts, disks, networks) of jobs whose process died
   * while others use the data dir; safe at any time, whether `sole` or not. Returns their ids.
   */
  gcDeadPeers(log?: Logger): Promise<string[]>;
}

/**
 * The one composition root of a runner host: the CLI, `slipway up`, the worker, the benches and
 * the test fixtures all open their store, registry and runtime through it. Cheap: it creates
 * the image store's directories and nothing else.
 */
export async function openRunnerHost(opts: RunnerHostOptions = {}): Promise<RunnerHost> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  await ownDataDir(dataDir);
  const store = await openImageStore(dataDirPaths.images(dataDir), opts.store);
  let registry: Promise<RegistryClient> | undefined;
  const openRegistry = () =>
    (registry ??= openRegistryClient({
      insecure: opts.insecureRegistries ?? [],
      dataDir,
      hostOnly:
        opts.hostRegistries === 'any'
          ? 'any'
          : [...(opts.hostRegistries ?? []), ...(opts.insecureRegistries ?? [])],
    }));
  let runtime: Promise<Runtime> | undefined;
  const given = opts.runtime;
  const openHostRuntime = () =>
    (runtime ??=
      given && 'prepareJob' in given
        ? Promise.resolve(given)
        : openRuntime({
            dataDir,
            ...(given?.binary ? { binary: given.binary } : {}),
            compatSyscalls: given?.compatSyscalls === true,
            ...(given?.userns ? { userns: given.userns } : {}),
            ...(opts.limits ? { defaultLimits: opts.limits } : {}),
            ...(opts.egress ? { egress: opts.egress } : {}),
          }));
  return {
    dataDir,
    store,
    ...(opts.jobDiskBytes ? { jobDiskBytes: opts.jobDiskBytes } : {}),
    registry: openRegistry,
    runtime: openHostRuntime,
    images: new ImageResolver(store, openRegistry, opts.onPull),
    lease: () => leaseDataDir(dataDir),
    gc: async (log = rootLog) => {
      const runtimeReport = await gcRuntime(dataDir, log);
      return { ...runtimeReport, ...(await gcDataDir(dataDir, log.child({ module: 'data-dir/gc' }))) };
    },
    gcDeadPeers: (log = rootLog) => gcDeadOwnersJobs(dataDir, log),
  };
}

/**
 * Creates the data dir, and keeps it 0700 like Docker's root: steps run as real root and write
 * into workspaces, caches and artifacts under it, and unpacked image layers hold setuid files,
 * so no other local user may reach anything below it. A data dir of another owner is left alone,
 * and so is 0710 with a non-root group: a `--userns` runtime's, letting only its mapped root
 * traverse to the container root fses (runner/runtime/userns.ts).
 */
async function ownDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const st = await stat(dataDir);
  const usernsTraverse = (st.mode & 0o077) === 0o010 && st.gid !== 0;
  if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0 && !usernsTraverse)
    await chmod(dataDir, 0o700);
}
