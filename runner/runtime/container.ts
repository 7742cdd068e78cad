import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { hostSpawn } from '../../lib/host-spawn/index.js';
import { log as rootLog } from '../../lib/log.js';
import { runTool } from '../../lib/proc.js';
import { mkdirInRoot, mountOverlay, resolveImageUser, unmountOverlay } from '../rootfs/index.js';
import { buildBundleConfig, checkTarget, hostsFile, resolvConf } from './bundle.js';
import { createContainerCgroup, removeContainerCgroup, termCannotEnd, wasOomKilled } from './cgroups.js';
import { diskLimitMessage } from './defaults.js';
import { DEFAULT_CAPS } from './hardening.js';
import { type JobDisk, jobDiskFull } from './job-disk.js';
import { pipeLines } from './log-sink.js';
import {
  type DockerSeccompProfile,
  dockerToOciSeccomp,
  loadDockerSeccompProfile,
  type OciSeccomp,
  restrictNamespaces,
} from './seccomp.js';
import { runtimeLogArgs, runtimeStartError } from './start-error.js';
import { makeStartGate, type StartGate } from './start-gate.js';
import type { ContainerSpec, LogSink, RunResult } from './types.js';
import { shiftIntoRange, type UsernsContext } from './userns.js';

const log = rootLog.child({ module: 'runtime/container' });

/** How to reach the OCI runtime binary and where its state lives. */
export interface OciRuntime {
  /** runc or crun (a name on PATH or an absolute path). */
  binary: string;
  /** Private state dir (`--root`). */
  stateDir: string;
  seccompProfile?: string;
  /** Admit 32-bit (i386, x32) system calls, as Docker does; default: native ABI only. */
  compatSyscalls?: boolean;
  /** Remap containers' ids into this host range (`--userns`); containers on a caller's root fs are not remapped. */
  userns?: UsernsContext;
}

export function ociCommand(rt: OciRuntime, args: string[]): Promise<string> {
  return runTool(rt.binary, ['--root', rt.stateDir, ...args]);
}

/** Where a container joins the network: a netns path with its address, or its own empty netns. */
export interface ContainerNetworkAttachment {
  netnsPath: string;
  ip: string;
  /** The job's /etc/hosts (all containers of the job); extraHosts are appended. */
  hosts: string;
  resolv: string;
}

export type StopReason = 'timeout' | 'cancel' | 'stop';

/**
 * A started container. `done` resolves (never rejects) with the result once the process has
 * exited; `cleaned` resolves (never rejects) once its runc state, root fs and cgroups are gone.
 * Cleanup runs in the background so the next step can start meanwhile.
 */
export interface RunningContainer {
  id: string;
  done: Promise<RunResult>;
  cleaned: Promise<void>;
  /** TERM to every process, KILL after `graceMs`; the reason decides timedOut/cancelled. Idempotent. */
  stop(reason: StopReason, graceMs: number): void;
  /**
   * For a container started held (`hold`): lets its process start (true) or makes its start
   * fail (false; `stop` does that too). Idempotent; a no-op for a container not held.
   */
  release(go: boolean): void;
}

/**
 * How a container is started held: its process waits for `release` at most `timeoutMs`.
 * `ready()` true means what it waits for is already there: checked once the root fs and the
 * rest are made, and then no gate (the host process a hold costs) is made at all.
 */
export interface HoldOptions {
  timeoutMs: number;
  ready?: () => boolean;
}

const MiB = 1024 * 1024;
const formatBytes = (n: number) => (n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(1)} MiB`);

/** Removes a container's runc state, mounts, cgroups and dir. Idempotent, for any leftover too. */
export async function removeContainer(rt: OciRuntime, id: string, dir: string): Promise<void> {
  // runc and crun keep a container's state in <root>/<id>; no dir, nothing to delete (saves a spawn).
  if (existsSync(join(rt.stateDir, id))) await ociCommand(rt, ['delete', '--force', id]).catch(() => {});
  // Both steps run even when one fails; the first error is reported.
  const results = await Promise.allSettled([unmountOverlay(dir), removeContainerCgroup(id)]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** The host's /etc/resolv.conf, re-read only when its mtime changes. */
let resolvCache: { mtimeMs: number; text: string } | undefined;
async function hostResolvConf(): Promise<string> {
  const st = statSync('/etc/resolv.conf', { throwIfNoEntry: false });
  if (!st) return '';
  if (resolvCache?.mtimeMs !== st.mtimeMs)
    resolvCache = { mtimeMs: st.mtimeMs, text: await readFile('/etc/resolv.conf', 'utf8').catch(() => '') };
  return resolvCache.text;
}

/** The OCI seccomp section of a profile, converted once per profile and ABI choice (the same for every container). */
const converted = { native: new WeakMap<DockerSeccompProfile, OciSeccomp>(), compat: new WeakMap() };
function ociSeccompFor(profile: DockerSeccompProfile, compatArchitectures: boolean): OciSeccomp {
  const cache: WeakMap<DockerSeccompProfile, OciSeccomp> = compatArchitectures
    ? converted.compat
    : converted.native;
  let oci = cache.get(profile);
  if (!oci) {
    oci = restrictNamespaces(
      dockerToOciSeccomp(profile, DEFAULT_CAPS, { compatArchitectures }),
      DEFAULT_CAPS,
    );
    cache.set(profile, oci);
  }
  return oci;
}

/** Like Promise.all, but waits for every promise to settle before throwing (nothing left in flight to clean). */
async function allSettledOrThrow<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function prepareBundle(
  rt: OciRuntime,
  id: string,
  dir: string,
  spec: ContainerSpec,
  net: ContainerNetworkAttachment | undefined,
  disk: JobDisk | undefined,
  shifted: Set<string> | undefined,
  hold: HoldOptions | undefined,
  held: { gate?: StartGate },
): Promise<void> {
  const userns = bundleUserns(rt, spec);
  const idmap = userns && { usernsFd: userns.fd, rootUid: userns.hostId, rootGid: userns.hostId };
  // Independent setup steps run concurrently: root fs, cgroup, seccomp profile, host resolv.conf.
  const [merged, { runcSetsMemory, cgroupsPath }, profile, hostResolv] = await allSettledOrThrow([
    spec.rootfs
      ? mkdir(dir, { recursive: true }).then(() => spec.rootfs as string)
      : mountOverlay(dir, spec.lowerDirs, disk && join(disk.layersDir, id), idmap).then((r) => r.merged),
    createContainerCgroup(id, spec.limits?.memoryBytes),
    loadDockerSeccompProfile(rt.seccompProfile),
    net ? Promise.resolve('') : hostResolvConf(),
  ]);
  const user = await resolveImageUser(merged, spec.user ?? spec.imageConfig?.User);
  const cwd = checkTarget(spec.workdir || spec.imageConfig?.WorkingDir || '/', 'the working directory');
  const hostname = (spec.hostname ?? spec.name).slice(0, 63);
  const hostsPath = join(dir, 'hosts');
  const resolvPath = join(dir, 'resolv.conf');
  const own = hostsFile(hostname, net?.ip, spec.extraHosts);
  // Small files: synchronous writes beat thread-pool round trips on the container start path.
  const shift = userns ? userns.hostId : 0;
  await mkdirInRoot(merged, cwd, { uid: user.uid + shift, gid: user.gid + shift });
  // Held only when what it waits for is still to come (the hook is a host process per start).
  if (hold && !hold.ready?.()) held.gate = await makeStartGate(dir, hold.timeoutMs);
  const gate = held.gate;
  // A held container's bind sources may still be being filled: they are shifted on release.
  if (userns && !gate) shiftBindSources(spec, userns, shifted);
  const sysfsBind = userns && net ? await mountJobSysfs(dir, net.netnsPath) : undefined;
  // The job's file already has localhost and every container of the job; add ours and the extras.
  writeFileSync(hostsPath, net ? `${net.hosts}${own.split('\n').slice(2).join('\n')}` : own);
  writeFileSync(resolvPath, net ? net.resolv : resolvConf(hostResolv, []));
  const seccomp = ociSeccompFor(profile, rt.compatSyscalls === true);
  const config = buildBundleConfig({
    spec,
    rootfs: merged,
    user,
    cwd,
    hostname,
    hostsFile: hostsPath,
    resolvFile: resolvPath,
    cgroupsPath,
    netnsPath: net?.netnsPath,
    seccomp,
    runcSetsMemory,
    ...(userns ? { userns: { hostId: userns.hostId, size: userns.size } } : {}),
    ...(sysfsBind ? { sysfsBind } : {}),
    ...(gate ? { createRuntimeHooks: [gate.hook] } : {}),
  });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
}

/** A container's user namespace: none for a caller's root fs (the builder's: it holds host ids and becomes a layer). */
const bundleUserns = (rt: OciRuntime, spec: ContainerSpec) => (spec.rootfs ? undefined : rt.userns);

/**
 * Gives the container's root what the runner wrote into its writable bind sources (workspace,
 * caches): once per source and job (`shifted`), when the first container mounting it starts,
 * so no container that could swap a dir for a symlink runs during the walk.
 */
function shiftBindSources(spec: ContainerSpec, userns: UsernsContext, shifted = new Set<string>()): void {
  for (const m of spec.mounts ?? []) {
    if (m.type !== 'bind' || m.readonly || shifted.has(m.source)) continue;
    shiftIntoRange(m.source, userns);
    shifted.add(m.source);
  }
}

/** The job netns's sysfs, read-only at `dir/sys` (unmounted with the container's dir). */
async function mountJobSysfs(dir: string, netnsPath: string): Promise<string> {
  const target = join(dir, 'sys');
  await mkdir(target);
  const opts = 'ro,nosuid,nodev,noexec';
  await runTool('nsenter', [`--net=${netnsPath}`, 'mount', '-t', 'sysfs', '-o', opts, 'sysfs', target]);
  return target;
}

/** Why a process died of SIGSYS: almost always the seccomp filter refusing a system call. */
function sigsysReason(rt: OciRuntime): string {
  return rt.compatSyscalls
    ? 'killed by SIGSYS: the seccomp profile forbids a system call it made'
    : 'killed by SIGSYS: the seccomp profile forbids a system call it made (32-bit i386/x32 system calls are refused unless the runner allows compat syscalls: --compat-syscalls)';
}

function signalName(exitCode: number): string | undefined {
  if (exitCode <= 128 || exitCode > 128 + 64) return undefined;
  return Object.entries(constants.signals).find(([, n]) => n === exitCode - 128)?.[0];
}

/**
 * Prepares the bundle in `dir` and starts `runc run` in the foreground with stdin closed and
 * stdout/stderr piped into `sink`. Setup failures throw (after cleaning up); once started, every
 * outcome is reported through `done`; `cleaned` follows once the root fs, cgroups and runc state
 * are gone. With `disk` (the job's), the container's writes go to the job's disk, and a
 * failure on a full disk says "disk limit (N GiB) reached". With `hold`, the container is
 * made but its process waits for `release` (at most `hold.timeoutMs`; see start-gate.ts).
 */
export async function startContainer(
  rt: OciRuntime,
  id: string,
  dir: string,
  spec: ContainerSpec,
  sink: LogSink,
  net?: ContainerNetworkAttachment,
  disk?: JobDisk,
  shifted?: Set<string>,
  hold?: HoldOptions,
): Promise<RunningContainer> {
  // A leftover of the same id (a crashed run, a cleanup still under way) goes first.
  if (existsSync(dir) || existsSync(join(rt.stateDir, id))) await removeContainer(rt, id, dir);
  const held: { gate?: StartGate } = {};
  try {
    await prepareBundle(rt, id, dir, spec, net, disk, shifted, hold, held);
  } catch (err) {
    held.gate?.close();
    const full = disk && jobDiskFull(disk);
    await removeContainer(rt, id, dir).catch(() => {});
    if (full)
      throw new SlipwayError(diskLimitMessage(disk.bytes), {
        category: 'permanent',
        context: { step: spec.name },
      });
    throw err instanceof SlipwayError
      ? err
      : new SlipwayError(`cannot prepare container ${spec.name}: ${(err as Error).message}`, {
          category: 'internal',
          context: { step: spec.name },
          cause: err,
        });
  }
  const gate = held.gate;
  const started = Date.now();
  const logPath = join(dir, 'runtime.log');
  const child: ChildProcess = hostSpawn(rt.binary, [
    '--root',
    rt.stateDir,
    ...runtimeLogArgs(rt.binary, logPath),
    'run',
    '--bundle',
    dir,
    id,
  ]);
  let stopReason: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let finished = false;
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 9) : 9)));
  }).then((code) => {
    finished = true;
    clearTimeout(killTimer);
    gate?.close();
    return code;
  });
  const output = Promise.all([
    pipeLines(child.stdout as NonNullable<ChildProcess['stdout']>, 'stdout', sink),
    pipeLines(child.stderr as NonNullable<ChildProcess['stderr']>, 'stderr', sink),
  ]);
  const done = (async (): Promise<RunResult> => {
    let exitCode = await exited;
    await output;
    const startError = exitCode !== 0 && !stopReason ? await runtimeStartError(logPath, exitCode) : undefined;
    if (startError) exitCode = startError.exitCode;
    const durationMs = Date.now() - started;
    const signal = signalName(exitCode);
    // Only a container with a memory limit can be OOM-killed by it (and only by a SIGKILL).
    const oomKilled = !!spec.limits?.memoryBytes && signal === 'SIGKILL' && (await wasOomKilled(id, true));
    const result: RunResult = {
      exitCode,
      oomKilled,
      timedOut: stopReason === 'timeout',
      cancelled: stopReason === 'cancel',
      durationMs,
    };
    if (signal) result.signal = signal;
    if (oomKilled) result.message = `out of memory (limit ${formatBytes(spec.limits?.memoryBytes ?? 0)})`;
    else if (stopReason === 'timeout') result.message = 'timed out';
    else if (stopReason === 'cancel') result.message = 'cancelled';
    else if (disk && exitCode !== 0 && jobDiskFull(disk)) result.message = diskLimitMessage(disk.bytes);
    else if (startError) result.message = startError.message;
    else if (signal === 'SIGSYS') result.message = sigsysReason(rt);
    return result;
  })();
  const kill = (sig: string) => ociCommand(rt, ['kill', '--all', id, sig]).catch(() => {});
  const userns = bundleUserns(rt, spec);
  const release = (go: boolean) => {
    if (!gate) return; // not held: it started as made
    if (go && userns) shiftBindSources(spec, userns, shifted);
    gate.release(go);
  };
  const stop = (reason: StopReason, graceMs: number) => {
    if (stopReason || finished) return;
    stopReason = reason;
    release(false);
    void kill('TERM').then(async () => {
      if (!finished && (await termCannotEnd(id))) {
        clearTimeout(killTimer);
        again();
      }
    });
    const again = () => {
      if (finished) return;
      void kill('KILL');
      killTimer = setTimeout(again, 1000);
    };
    killTimer = setTimeout(again, graceMs);
  };
  const cleaned = done.then(() =>
    removeContainer(rt, id, dir).catch((err) =>
      log.error({ err, container: id }, 'container cleanup failed; gcRuntime will retry'),
    ),
  );
  return { id, done, cleaned, stop, release };
}
