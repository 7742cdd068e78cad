/**
 * runner/runtime — containers on runc (or crun): the `Runtime` seam (types.ts), image config
 * for containers, log sinks, and crash GC. The runtime implementation loads on first use
 * (`openRuntime`), so commands that never start a container do not load it.
 */
import type { Logger } from '../../lib/log.js';
import type { RuntimeGcReport } from './gc.js';
import type { OciRuntimeOptions } from './oci-runtime.js';
import type { Runtime } from './types.js';

export { DEFAULT_JOB_DISK_BYTES, diskLimitMessage } from './defaults.js';
export type { RuntimeGcReport } from './gc.js';
export { imageRuntimeConfig } from './image-config.js';
export { type JobPoolOptions, type PooledRuntime, pooledRuntime } from './job-pool.js';
export { MemoryLogSink } from './log-sink.js';
export { type EgressPolicy, LINK_LOCAL } from './network/index.js';
export type { OciRuntimeOptions } from './oci-runtime.js';
export type * from './types.js';
export { MAX_HOLD_MS } from './types.js';
export { defaultUsernsMapping, type UsernsMapping } from './userns.js';

/** A Runtime on runc or crun over `opts.dataDir` (see oci-runtime.ts). Destroy each job it prepares. */
export async function openRuntime(opts: OciRuntimeOptions): Promise<Runtime> {
  return (await import('./oci-runtime.js')).createRuntime(opts);
}

/**
 * Removes what a crashed earlier run of `dataDir` left: containers, mounts, cgroups, networks
 * (see gc.ts). Only while no job of this data dir runs.
 */
export async function gcRuntime(dataDir: string, log?: Logger): Promise<RuntimeGcReport> {
  return (await import('./gc.js')).gcRuntime(dataDir, log);
}

/**
 * Removes the runtime state of the jobs of `dataDir` whose owning process died, leaving the
 * live processes' jobs alone (see gc-dead-owners.ts): safe at any time. Returns their ids.
 */
export async function gcDeadOwnersJobs(dataDir: string, log?: Logger): Promise<string[]> {
  return (await import('./gc-dead-owners.js')).gcDeadOwnersJobs(dataDir, log);
}
