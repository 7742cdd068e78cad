import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../lib/errors.js';
import type { ServiceSpec } from '../../pipelines/index.js';
import type { ResolvedImage } from '../job-images.js';
import type {
  JobHandle,
  LogSink,
  ResourceLimits,
  RunResult,
  Runtime,
  ServiceHandle,
} from '../runtime/index.js';

/** How long one TCP readiness probe may take before it counts as "not yet". */
const PROBE_CONNECT_MS = 1000;
const PROBE_INTERVAL_MS = 250;

/**
 * Starts one service of a job and waits until it is ready: `ready.port` is polled over TCP
 * on the service's job-network address; `ready.command` runs inside the service container
 * (Runtime.exec, like Docker's HEALTHCHECK: `localhost` is the service, so a plain
 * `pg_isready` works) until it exits 0. A service that exits before it is ready
 * (the error names its exit code), is not ready within `ready.timeoutMs`, or whose job is
 * cancelled (`signal`) while waiting fails with its last output lines. The caller stops the
 * service (Runtime.destroyJob stops them all), also when this throws. `limits` (the job's
 * resources) apply to the service and so to its readiness command.
 */
export async function startService(
  runtime: Runtime,
  job: JobHandle,
  service: ServiceSpec,
  image: ResolvedImage,
  env: Record<string, string>,
  sink: LogSink & { tail(): string },
  limits?: ResourceLimits,
  signal?: AbortSignal,
): Promise<ServiceHandle> {
  const withLimits = limits ? { limits } : {};
  const name = `svc-${service.name}`;
  const handle = await runtime.startService(
    job,
    {
      name,
      lowerDirs: image.lowerDirs,
      imageConfig: image.config,
      env: { ...env, ...service.env },
      hostname: service.name,
      ...(service.command ? { args: service.command } : {}),
      ...withLimits,
    },
    { sink, ...(signal ? { signal } : {}) },
  );
  if (!service.ready) return handle;
  const ready = service.ready;
  const deadline = Date.now() + ready.timeoutMs;
  let exit: RunResult | undefined;
  void handle.done.then((r) => {
    exit = r;
  });
  const notReady = (why: string) =>
    new SlipwayError(`service ${service.name} ${why}; last output:\n${sink.tail() || '(none)'}`, {
      context: { service: service.name, image: image.ref },
    });
  for (;;) {
    if (signal?.aborted) throw notReady('was cancelled before it was ready');
    if (exit) throw notReady(`exited with ${exitDescription(exit)} before it was ready`);
    const left = deadline - Date.now();
    if (left <= 0) throw notReady(`was not ready within ${ready.timeoutMs / 1000}s`);
    let ok: boolean;
    if ('port' in ready) {
      if (!handle.ip) throw notReady('has no address on the job network to probe');
      ok = await tcpAccepts(handle.ip, ready.port, Math.min(PROBE_CONNECT_MS, left));
    } else {
      const result = await runtime.exec(job, name, ready.command, {
        timeoutMs: Math.max(1000, left),
        ...(signal ? { signal } : {}),
      });
      ok = result.exitCode === 0 && !result.timedOut;
    }
    // A probe that got through just as the service died does not make it ready.
    if (ok && !exit) return handle;
    await sleep(PROBE_INTERVAL_MS);
  }
}

function exitDescription(r: RunResult): string {
  return r.signal ? `signal ${r.signal} (exit code ${r.exitCode})` : `exit code ${r.exitCode}`;
}

/** One TCP connect to host:port: true when it was accepted within `timeoutMs`. */
function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.connect(port, host);
  });
}
