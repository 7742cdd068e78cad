import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { type Logger, log as rootLog } from '../../lib/log.js';
import { dataDirPaths } from '../data-dir.js';
import { ensureHybridCgroupsForCrun } from './cgroups.js';
import {
  type ContainerNetworkAttachment,
  type HoldOptions,
  type OciRuntime,
  ociCommand,
  type RunningContainer,
  startContainer,
} from './container.js';
import { execInContainer } from './exec-in.js';
import { effectiveLimits } from './hardening.js';
import { holdUntil } from './held-start.js';
import { checkName, containerId } from './ids.js';
import { createJobDisk, removeJobDisk } from './job-disk.js';
import { dropJobOwner, recordJobOwner } from './job-owner.js';
import { Job, recycledJob, Service, stopJobContainers } from './job-state.js';
import { createJobNetwork, type EgressPolicy } from './network/index.js';
import {
  type ContainerSpec,
  type ExecOptions,
  type ExecResult,
  type JobHandle,
  type LogSink,
  MAX_HOLD_MS,
  type PrepareJobOptions,
  type ResourceLimits,
  type RunOptions,
  type RunResult,
  type Runtime,
  type ServiceHandle,
} from './types.js';
import { openUserns, type UsernsMapping } from './userns.js';

/** How long a container's start is left the machine before the job's next network place is made. */
const SPARE_AFTER_START_MS = 150;

export interface OciRuntimeOptions {
  /** The runner's data dir; runtime state lives in <dataDir>/runtime. One runner per data dir. */
  dataDir: string;
  /** 'runc' (default) or 'crun', or a path to either. */
  binary?: string;
  /** Docker-format seccomp profile (default: containers-common's). */
  seccompProfile?: string;
  /**
   * Admit the 32-bit system call ABIs (i386 `int 0x80`, x32) as Docker does. Default off: a
   * 32-bit system call kills the process with SIGSYS, and runc loads the smaller filter faster.
   */
  compatSyscalls?: boolean;
  /**
   * Limits for containers whose spec sets none (per field). Memory defaults to 2 GiB (at most
   * half the host's memory) when this does not set it, processes to 1024.
   */
  defaultLimits?: ResourceLimits;
  /** What jobs may reach outside their network (default: everything but link-local). */
  egress?: EgressPolicy;
  /**
   * Remap every container's uid/gid 0..size-1 to this host range (`slipway exec --userns`;
   * userns.ts). Default off: containers' root is the host's root (confined as README says).
   */
  userns?: UsernsMapping;
  /** TERM→KILL grace when RunOptions gives none (default 2000 ms). */
  killGraceMs?: number;
  log?: Logger;
}

/** The Runtime on runc (or crun): see types.ts for the contract. */
export class OciContainerRuntime implements Runtime {
  private readonly rt: OciRuntime;
  private readonly log: Logger;
  private readonly grace: number;
  private hostReady?: Promise<void>;
  private usernsReady?: Promise<void>;

  constructor(private readonly opts: OciRuntimeOptions) {
    const binary = opts.binary ?? 'runc';
    this.rt = {
      binary,
      stateDir: dataDirPaths.runtimeState(opts.dataDir, binary),
      seccompProfile: opts.seccompProfile,
      compatSyscalls: opts.compatSyscalls === true,
    };
    this.log = (opts.log ?? rootLog).child({ module: 'runtime', binary });
    this.grace = opts.killGraceMs ?? 2000;
  }

  async prepareJob(opts: PrepareJobOptions): Promise<JobHandle> {
    checkName(opts.id, 'job id');
    await mkdir(this.rt.stateDir, { recursive: true, mode: 0o700 });
    await mkdir(dataDirPaths.containers(this.opts.dataDir), { recursive: true, mode: 0o700 });
    if (this.rt.binary.endsWith('crun')) {
      this.hostReady ??= ensureHybridCgroupsForCrun();
      await this.hostReady;
    }
    const userns = this.opts.userns;
    if (userns) {
      this.usernsReady ??= openUserns(this.opts.dataDir, userns).then((ctx) => {
        this.rt.userns = ctx;
      });
      await this.usernsReady;
    }
    // Owned before any of it exists: a peer on this data dir collects it if this process dies.
    await recordJobOwner(this.opts.dataDir, opts.id);
    // The disk and the network are independent: made side by side, and both undone on failure.
    const [disk, network] = await Promise.allSettled([
      opts.diskBytes ? createJobDisk(this.opts.dataDir, opts.id, opts.diskBytes) : undefined,
      opts.network === 'none'
        ? undefined
        : createJobNetwork({
            jobId: opts.id,
            dataDir: this.opts.dataDir,
            log: this.log,
            ...(this.opts.egress ? { egress: this.opts.egress } : {}),
          }),
    ]);
    if (disk.status === 'rejected' || network.status === 'rejected') {
      if (disk.status === 'fulfilled' && disk.value)
        await removeJobDisk(this.opts.dataDir, opts.id).catch(() => {});
      if (network.status === 'fulfilled') await network.value?.destroy().catch(() => {});
      await dropJobOwner(this.opts.dataDir, opts.id);
      throw disk.status === 'rejected' ? disk.reason : (network as PromiseRejectedResult).reason;
    }
    return new Job(opts.id, network.value, disk.value);
  }

  private job(handle: JobHandle): Job {
    if (!(handle instanceof Job))
      throw new SlipwayError('not a job of this runtime', { category: 'internal' });
    if (handle.destroyed)
      throw new SlipwayError(`job ${handle.id} was destroyed`, {
        category: 'internal',
        context: { job: handle.id },
      });
    return handle;
  }

  private withDefaults(spec: ContainerSpec): ContainerSpec {
    return { ...spec, limits: effectiveLimits(spec.limits, this.opts.defaultLimits) };
  }

  /**
   * Starts a container of `job`. Its cleanup (root fs, cgroups, network attachment) runs in the
   * background after `done`; a later container of the same name, and destroyJob, wait for it.
   */
  private async start(
    job: Job,
    spec: ContainerSpec,
    sink: LogSink,
    hold?: HoldOptions,
  ): Promise<{ running: RunningContainer; ip?: string }> {
    const id = containerId(this.opts.dataDir, job.id, spec.name);
    if (job.containers.has(spec.name) || job.starting.has(spec.name))
      throw new SlipwayError(`container ${spec.name} is already running in job ${job.id}`, {
        category: 'internal',
      });
    const starting = (async () => {
      await job.cleanups.get(spec.name);
      return this.startAttached(job, id, spec, sink, hold);
    })();
    job.starting.set(spec.name, starting);
    try {
      return await starting;
    } finally {
      job.starting.delete(spec.name);
    }
  }

  private async startAttached(
    job: Job,
    id: string,
    spec: ContainerSpec,
    sink: LogSink,
    hold: HoldOptions | undefined,
  ): Promise<{ running: RunningContainer; ip?: string }> {
    const dir = join(dataDirPaths.containers(this.opts.dataDir), id);
    const useNet = job.jobNetwork && spec.network !== 'none' ? job.jobNetwork : undefined;
    let attachment: ContainerNetworkAttachment | undefined;
    if (useNet) {
      const c = await useNet.addContainer({ name: spec.name });
      attachment = {
        netnsPath: c.netnsPath,
        ip: c.ip,
        hosts: useNet.hostsFile(),
        resolv: await useNet.resolvConf(),
      };
    }
    const detach = async () => {
      if (useNet)
        await useNet
          .removeContainer(spec.name)
          .catch((err) => this.log.warn({ err, container: spec.name }, 'network detach failed'));
    };
    let started: RunningContainer;
    try {
      started = await startContainer(
        this.rt,
        id,
        dir,
        this.withDefaults(spec),
        sink,
        attachment,
        job.disk,
        job.shifted,
        hold,
      );
    } catch (err) {
      await detach();
      throw err;
    }
    const cleaned = started.cleaned.then(detach);
    job.cleanups.set(spec.name, cleaned);
    void cleaned.then(() => {
      if (job.cleanups.get(spec.name) === cleaned) job.cleanups.delete(spec.name);
    });
    const running: RunningContainer = {
      ...started,
      done: started.done.finally(() => job.containers.delete(spec.name)),
      cleaned,
    };
    job.containers.set(spec.name, running);
    return { running, ip: attachment?.ip };
  }

  /**
   * The job network's place for the next container is made once `running`'s start has had the
   * machine (SPARE_AFTER_START_MS), not while it starts. A container that ends sooner leaves
   * none made (a next container attaches as it starts; a job that ends tears down no spare).
   */
  private placeNextLater(job: Job, running: RunningContainer): void {
    const net = job.jobNetwork;
    if (!net) return;
    const timer = setTimeout(() => net.prepareSpare(), SPARE_AFTER_START_MS);
    timer.unref();
    void running.done.catch(() => undefined).then(() => clearTimeout(timer));
  }

  async run(handle: JobHandle, spec: ContainerSpec, opts: RunOptions): Promise<RunResult> {
    const job = this.job(handle);
    const grace = opts.killGraceMs ?? this.grace;
    if (opts.signal?.aborted) {
      return {
        exitCode: 130,
        oomKilled: false,
        timedOut: false,
        cancelled: true,
        durationMs: 0,
        message: 'cancelled',
      };
    }
    // It may settle while the container is made: once it has, the container is not held.
    let startable = false;
    opts.startAfter?.then(
      () => {
        startable = true;
      },
      () => undefined,
    );
    const hold = opts.startAfter ? { timeoutMs: MAX_HOLD_MS, ready: () => startable } : undefined;
    const { running } = await this.start(job, spec, opts.sink, hold);
    const onAbort = () => running.stop('cancel', grace);
    // Aborted while the container was being started: no abort event will come.
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.startAfter) {
      const ended = await holdUntil(running, opts.startAfter).catch((err: unknown) => {
        opts.signal?.removeEventListener('abort', onAbort);
        throw err;
      });
      if (ended) {
        opts.signal?.removeEventListener('abort', onAbort);
        return ended;
      }
    }
    this.placeNextLater(job, running);
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => running.stop('timeout', grace), opts.timeoutMs)
        : undefined;
    try {
      return await running.done;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async startService(
    handle: JobHandle,
    spec: ContainerSpec,
    opts: Omit<RunOptions, 'timeoutMs'>,
  ): Promise<ServiceHandle> {
    const job = this.job(handle);
    const grace = opts.killGraceMs ?? this.grace;
    const { running, ip } = await this.start(job, spec, opts.sink);
    this.placeNextLater(job, running);
    const onAbort = () => running.stop('cancel', grace);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = running.done.finally(() => opts.signal?.removeEventListener('abort', onAbort));
    return new Service(spec.name, running.id, done, running, ip);
  }

  async stopService(service: ServiceHandle, graceMs?: number): Promise<RunResult> {
    if (!(service instanceof Service))
      throw new SlipwayError('not a service of this runtime', { category: 'internal' });
    service.running.stop('stop', graceMs ?? this.grace);
    return service.done;
  }

  async kill(handle: JobHandle, containerName: string, signal = 'KILL'): Promise<void> {
    const running = (handle as Job).containers?.get(containerName);
    if (!running) return;
    await ociCommand(this.rt, ['kill', '--all', running.id, signal.replace(/^SIG/, '')]).catch(() => {});
  }

  async exec(
    handle: JobHandle,
    containerName: string,
    script: string,
    opts: ExecOptions,
  ): Promise<ExecResult> {
    const running = this.job(handle).containers.get(containerName);
    if (!running)
      throw new SlipwayError(`container ${containerName} is not running in job ${handle.id}`, {
        category: 'internal',
        context: { job: handle.id },
      });
    return execInContainer(
      this.rt,
      running.id,
      join(dataDirPaths.containers(this.opts.dataDir), running.id),
      script,
      opts,
    );
  }

  async destroyJob(handle: JobHandle): Promise<void> {
    if (!(handle instanceof Job)) return;
    await stopJobContainers(handle, this.grace);
    const results = await Promise.allSettled([
      handle.jobNetwork?.destroy(),
      handle.disk && removeJobDisk(this.opts.dataDir, handle.id),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    await dropJobOwner(this.opts.dataDir, handle.id);
  }

  async recycleJob(handle: JobHandle): Promise<JobHandle> {
    const job = this.job(handle);
    await stopJobContainers(job, this.grace);
    return recycledJob(this.opts.dataDir, job);
  }
}

/** A Runtime on runc (default) or crun. */
export function createRuntime(opts: OciRuntimeOptions): Runtime {
  return new OciContainerRuntime(opts);
}
