/**
 * The Runtime seam (DESIGN.md): everything the executor needs to run a job's containers.
 *
 * Lifecycle: `prepareJob` → any number of `run` / `startService` → `destroyJob`. The job handle
 * owns the job's network and every container started through it; `destroyJob` stops and removes
 * them all, is idempotent and is safe after a failed or partial setup. A crashed runner's
 * leftovers are removed by `gcRuntime(dataDir)` on the next start.
 */

/** One line of container output. `time` is when the line was read (ms since epoch). */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  time: number;
  text: string;
  /**
   * Set on a piece cut from a line too long to keep in one piece: the next line of the same
   * stream continues it (a consumer that matches text across pieces joins them).
   */
  partial?: true;
}

/**
 * Complete lines of one stream read at once (a chunk of a container's output): `bytes` their
 * UTF-8 text joined by '\n' (none at the end), `count` of them, all read at `time`. `bytes`
 * is only valid during the call it is given to (copy what must outlive it).
 */
export interface LogLines {
  stream: 'stdout' | 'stderr';
  time: number;
  bytes: Buffer;
  count: number;
}

/**
 * Where a container's output goes (Redis stream in a runner, memory in tests, the terminal in
 * `slipway exec`). Line-oriented: the runtime splits each stream on '\n' and timestamps every line;
 * a trailing partial line is flushed when the stream ends. Lines of one stream arrive in order.
 * A sink with `writeLines` gets a chunk's complete lines in one call instead of one `write`
 * each (a loud step then costs no work per line); a line joined across chunks, a piece of an
 * over-long line and the last unterminated line still come through `write`.
 */
export interface LogSink {
  write(line: LogLine): void;
  writeLines?(lines: LogLines): void;
  /**
   * Backpressure: undefined while the sink takes more output now; otherwise a promise that
   * resolves when it does. The runtime stops reading that stream meanwhile (the container's
   * writes then wait, as on a slow terminal). Asked after each chunk.
   */
  ready?(): Promise<void> | undefined;
}

export interface PrepareJobOptions {
  /** A job id from the JobSpec: [A-Za-z0-9_.-], used in deterministic container ids. */
  id: string;
  /** 'none': every container gets its own empty netns (loopback only). 'bridge': one job network. */
  network: 'none' | 'bridge';
  /**
   * The job's disk limit in bytes: the job gets its own filesystem of this size holding its
   * `workDir` and every container's writable layer (a write past it fails with ENOSPC; the
   * step's message says "disk limit (N GiB) reached"). Absent: no job disk (containers write
   * to the data dir's filesystem; the builder, benches).
   */
  diskBytes?: number;
}

/** Handle of a prepared job; pass it to run/startService/destroyJob. */
export interface JobHandle {
  readonly id: string;
  /** With `diskBytes`: an empty dir on the job's disk for the caller's files (the workspace); destroyJob removes it. */
  readonly workDir?: string;
  /** Present when the job was prepared with network 'bridge': the job's subnet and gateway. */
  readonly network?: { subnet: string; gateway: string };
}

export type Mount =
  /** Bind a host directory (the workspace, a cache volume dir) at `target`. */
  | { type: 'bind'; source: string; target: string; readonly?: boolean }
  /** A fresh tmpfs at `target` (sizeBytes default 64 MiB). */
  | { type: 'tmpfs'; target: string; sizeBytes?: number };

/** The subset of an OCI image config the runtime uses. */
export interface ImageRuntimeConfig {
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

export interface ResourceLimits {
  /** Memory limit in bytes (cgroup memory; no swap beyond it; default 2 GiB, at most half the host's). */
  memoryBytes?: number;
  /** CPU quota in cores (e.g. 1.5). */
  cpus?: number;
  /** Max number of processes/threads (default 1024). */
  pids?: number;
}

/**
 * What to run. The argv is, in order of precedence: `script` (run as `/bin/sh -e -c script`),
 * else `entrypoint ?? image Entrypoint` followed by `args ?? image Cmd` (Docker semantics).
 */
export interface ContainerSpec {
  /** A name unique within the job ([A-Za-z0-9_.-]); part of the container id. */
  name: string;
  /**
   * The image's unpacked layer dirs, BOTTOM FIRST (the order of the image's rootfs.diff_ids).
   * They are only read; a fresh upper dir is created per container and removed afterwards.
   */
  lowerDirs: string[];
  /**
   * A root fs the caller has already mounted (e.g. the image builder's overlay, whose upper dir
   * becomes a layer). When set, `lowerDirs` is ignored and the runtime neither mounts nor
   * removes it: the caller owns it before and after the run.
   */
  rootfs?: string;
  imageConfig?: ImageRuntimeConfig;
  script?: string;
  entrypoint?: string[];
  args?: string[];
  /** Added to (and overriding) the image's Env. */
  env?: Record<string, string>;
  /** `name`, `uid`, `name:group`, `uid:gid` — overrides the image's User. Names resolve via the image. */
  user?: string;
  /** Absolute path; overrides the image's WorkingDir; created if missing. Not under /proc, /sys, /dev. */
  workdir?: string;
  hostname?: string;
  mounts?: Mount[];
  limits?: ResourceLimits;
  /** Extra /etc/hosts entries (service names → addresses). */
  extraHosts?: Array<{ name: string; ip: string }>;
  /** Overrides the job's network for this container: 'none' gives it its own empty netns. */
  network?: 'none' | 'job';
}

export interface RunOptions {
  sink: LogSink;
  /** Aborting stops the container (TERM, then KILL after the grace period); result.cancelled. */
  signal?: AbortSignal;
  /** Wall-clock limit; on expiry as for abort, result.timedOut. */
  timeoutMs?: number;
  /** Time between TERM and KILL (default 2000 ms). */
  killGraceMs?: number;
  /**
   * The container is made at once, but its process starts only once this resolves (a step
   * whose workspace is still being filled), so the slow part of a start overlaps the wait; the
   * timeout counts from the start. When it rejects, the container is removed and run() rejects
   * with its reason. A wait past MAX_HOLD_MS fails the start.
   */
  startAfter?: Promise<unknown>;
}

/** The longest a container made with `startAfter` waits for it (its runtime hook's timeout). */
export const MAX_HOLD_MS = 3_600_000;

/** How a container ended. A non-zero exit is data, never a thrown error. */
export interface RunResult {
  exitCode: number;
  /** The signal that ended the main process (e.g. 'SIGKILL'), if it died from one. */
  signal?: string;
  oomKilled: boolean;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** A short human reason when it did not simply exit: "out of memory (limit 256 MiB)", "timed out after 2s", "cancelled". */
  message?: string;
}

export interface ExecOptions {
  /** Wall-clock limit: then TERM to the command, and the exec is abandoned after a grace period. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** How a command run with `exec` ended; `output` is the end of its stdout and stderr. */
export interface ExecResult {
  exitCode: number;
  timedOut: boolean;
  output: string;
  durationMs: number;
}

/** A long-running container of a job (a service). `done` settles when it exits. */
export interface ServiceHandle {
  readonly name: string;
  readonly containerId: string;
  /** The service's address on the job network (other containers also reach it by name). */
  readonly ip?: string;
  readonly done: Promise<RunResult>;
}

export interface Runtime {
  /** Creates the job's state (and network). On failure, everything made so far is removed. */
  prepareJob(opts: PrepareJobOptions): Promise<JobHandle>;
  /**
   * Runs a container to completion. Its root fs, cgroups and network attachment are removed in
   * the background right after; destroyJob and a later container of the same name wait for that.
   */
  run(job: JobHandle, spec: ContainerSpec, opts: RunOptions): Promise<RunResult>;
  /** Starts a container in the background; stop it with stopService or destroyJob. */
  startService(
    job: JobHandle,
    spec: ContainerSpec,
    opts: Omit<RunOptions, 'timeoutMs'>,
  ): Promise<ServiceHandle>;
  /** TERM, then KILL after the grace period; resolves with the service's result. Idempotent. */
  stopService(service: ServiceHandle, graceMs?: number): Promise<RunResult>;
  /** Sends `signal` to every process of a running container; a no-op when it is gone. */
  kill(job: JobHandle, containerName: string, signal?: string): Promise<void>;
  /**
   * Runs `script` (`/bin/sh -c`) inside a running container of the job, as Docker's HEALTHCHECK
   * does: its namespaces (localhost is the container's), root fs, user, env and limits. Resolves
   * with the exit code (non-zero is data); a container that is not running is an error.
   */
  exec(job: JobHandle, containerName: string, script: string, opts: ExecOptions): Promise<ExecResult>;
  /** Stops every container of the job, removes its root fses and its network. Idempotent. */
  destroyJob(job: JobHandle): Promise<void>;
  /**
   * Readies the environment of a job that ended for another job, cheaper than destroyJob and
   * prepareJob: every container is stopped and removed as destroyJob does, the job's disk is
   * emptied (every file the job wrote removed; made anew once its image grew past
   * RESET_MAX_ALLOCATED_BYTES, giving the host the space back), and its network (bridge,
   * firewall rules, the next container's place made ahead) is kept, with no container on it.
   * Returns a new handle of the same id and options; `job` is destroyed. Throws when anything
   * of the job is left: the caller then destroys it (destroyJob still works on it).
   */
  recycleJob?(job: JobHandle): Promise<JobHandle>;
}
