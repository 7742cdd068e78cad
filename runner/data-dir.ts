import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Every path under a runner's data directory, in one place. The data dir belongs to one runner
 * host (a `slipway runner`, `slipway exec`, `slipway build` or `slipway up`); several processes
 * may share it (see `leaseDataDir`). Nothing else in the runner joins paths onto a data dir.
 *
 *   images/                   the ImageStore: blobs, refs, unpacked layers, holds
 *   runtime/state-<binary>    the OCI runtime's private --root
 *   runtime/c/<id>            one container: bundle, overlay dirs, hosts, resolv.conf
 *   runtime/disks/<job>.img   a job's disk: a sparse ext4 image, loop-mounted at runtime/disks/<job>
 *   runtime/owners/<job>.json the process that owns a job's runtime state (pid and its start time)
 *   network/jobs, network/ipam  job network records and IPAM leases
 *   workspaces/<job>          a job's checked-out workspace (removed after the job)
 *   artifacts/<job>           a job's collected artifacts
 *   log-spool/<job>-<r>.spool log entries of a running job not yet in Redis (removed when its log closes)
 *   cache/<repo>/<ref>/<key>  job `cache:` directories, by repository and branch/PR/tag
 *   build/<id>                per-build scratch (removed at the end of the build)
 *   build-cache/              builder cache entries; file-digests/ the context digest cache
 *   build-cache-mounts/<scope>/<id>  RUN --mount=type=cache directories, by cache scope (repository)
 *   owners/<pid>              the processes using the data dir
 *   auth.json                 registry credentials written by `slipway login`
 *   redis/, registry/         the daemons `slipway up` embeds
 *   secret.key                a server's key for secrets at rest (0600; made on first start)
 *   git/server/<repo>.git     a server's bare mirror of a repository (pipeline files are read from it)
 *   git/runner/<url>.git      a runner's bare mirror of a clone URL (job workspaces are checked out from it)
 *   logs/<job>.log            a server's archived job logs (the default LogArchive)
 */
export const dataDirPaths = {
  images: (d: string) => join(d, 'images'),
  runtime: (d: string) => join(d, 'runtime'),
  runtimeState: (d: string, binary: string) => join(d, 'runtime', `state-${binary.split('/').pop()}`),
  containers: (d: string) => join(d, 'runtime', 'c'),
  jobDisks: (d: string) => join(d, 'runtime', 'disks'),
  jobDisk: (d: string, jobId: string) => join(d, 'runtime', 'disks', jobId),
  jobDiskImage: (d: string, jobId: string) => join(d, 'runtime', 'disks', `${jobId}.img`),
  jobOwners: (d: string) => join(d, 'runtime', 'owners'),
  jobOwner: (d: string, jobId: string) => join(d, 'runtime', 'owners', `${jobId}.json`),
  networkJobs: (d: string) => join(d, 'network', 'jobs'),
  networkIpam: (d: string) => join(d, 'network', 'ipam'),
  workspaces: (d: string) => join(d, 'workspaces'),
  workspace: (d: string, jobKey: string) => join(d, 'workspaces', jobKey),
  artifacts: (d: string, jobKey: string) => join(d, 'artifacts', jobKey),
  logSpools: (d: string) => join(d, 'log-spool'),
  jobCaches: (d: string) => join(d, 'cache'),
  jobCache: (d: string, repoKey: string, ref: string, key: string) =>
    join(d, 'cache', repoKey, shortHash(ref), key),
  buildScratchRoot: (d: string) => join(d, 'build'),
  buildScratch: (d: string, id: string) => join(d, 'build', id),
  buildCache: (d: string) => join(d, 'build-cache'),
  fileDigests: (d: string, contextKey: string) =>
    join(d, 'build-cache', 'file-digests', `${contextKey}.json`),
  buildCacheMounts: (d: string) => join(d, 'build-cache-mounts'),
  buildCacheMount: (d: string, scope: string, id: string) =>
    join(d, 'build-cache-mounts', shortHash(scope), createHash('sha256').update(id).digest('hex')),
  owners: (d: string) => join(d, 'owners'),
  auth: (d: string) => join(d, 'auth.json'),
  redis: (d: string) => join(d, 'redis'),
  registry: (d: string) => join(d, 'registry'),
  secretKey: (d: string) => join(d, 'secret.key'),
  serverMirror: (d: string, repo: string) => join(d, 'git', 'server', `${shortHash(repo)}.git`),
  runnerMirror: (d: string, url: string) => join(d, 'git', 'runner', `${shortHash(url)}.git`),
} as const;

/** A path segment naming `text` (a ref, a scope): 16 hex digits of its sha256. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The runner's data directory: `$SLIPWAY_DATA_DIR`, else `/var/lib/slipway`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIPWAY_DATA_DIR || '/var/lib/slipway';
}
