import type { Logger } from '../lib/log.js';
import { dataDirPaths, defaultDataDir } from './data-dir.js';
import { type DataDirLease, leaseDataDir } from './data-dir-lease.js';
import { ImageResolver } from './job-images.js';
import {
  type ImageStore,
  type ImageStoreOptions,
  openImageStore,
  openRegistryClient,
  type PullProgress,
  type RegistryClient,
} from './oci/index.js';
import {
  gcRuntime,
  openRuntime,
  type ResourceLimits,
  type Runtime,
  type RuntimeGcReport,
} from './runtime/index.js';

/** How to open a runner host. Every field has a default. */
export interface RunnerHostOptions {
  /** The data dir (default `$SLIPWAY_DATA_DIR`, else `/var/lib/slipway`). */
  dataDir?: string;
  /** Registry hosts allowed over plain HTTP besides loopback ones (`--insecure-registry`). */
  insecureRegistries?: readonly string[];
  /** The OCI runtime binary and its options, or a ready Runtime (default: runc on the data dir). */
  runtime?: { binary?: string; compatSyscalls?: boolean } | Runtime;
  /** Limits of every container whose pipeline sets none (`--memory`, `--cpus`, `--pids`). */
  limits?: ResourceLimits;
  /** A job's disk where its pipeline sets none (`--disk`; default 10 GiB, see DEFAULT_JOB_DISK_BYTES). */
  jobDiskBytes?: number;
  /** Image store budget and GC grace. */
  store?: ImageStoreOptions;
  /** Called for each pulled blob when a job's image is pulled. */
  onPull?: (ref: string, p: PullProgress) => void;
}

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
  /** Removes what a crashed run of this data dir left (containers, mounts, networks). Only when `sole`. */
  gc(log?: Logger): Promise<RuntimeGcReport>;
}

/**
 * The one composition root of a runner host: the CLI, `slipway up`, the worker, the benches and
 * the test fixtures all open their store, registry and runtime through it. Cheap: it creates
 * the image store's directories and nothing else.
 */
export async function openRunnerHost(opts: RunnerHostOptions = {}): Promise<RunnerHost> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const store = await openImageStore(dataDirPaths.images(dataDir), opts.store);
  let registry: Promise<RegistryClient> | undefined;
  const openRegistry = () =>
    (registry ??= openRegistryClient({ insecure: opts.insecureRegistries ?? [], dataDir }));
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
            ...(opts.limits ? { defaultLimits: opts.limits } : {}),
          }));
  return {
    dataDir,
    store,
    ...(opts.jobDiskBytes ? { jobDiskBytes: opts.jobDiskBytes } : {}),
    registry: openRegistry,
    runtime: openHostRuntime,
    images: new ImageResolver(store, openRegistry, opts.onPull),
    lease: () => leaseDataDir(dataDir),
    gc: (log) => gcRuntime(dataDir, log),
  };
}
