import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../../lib/errors.js';
import { waitForTcp } from '../../lib/net.js';
import type { ServiceSpec } from '../../pipelines/spec/index.js';
import type { JobHandle, LogSink, ResourceLimits, Runtime, ServiceHandle } from '../runtime/types.js';
import type { ResolvedImage } from './images.js';

/**
 * Starts one service of a job and waits until it is ready: `ready.port` is polled over TCP
 * on the service's job-network address; `ready.command` runs in a fresh container of the
 * service's image on the job network until it exits 0. A service that exits before it is ready,
 * or is not ready within the timeout, fails with its last output lines. `limits` (the job's
 * resources) apply to the service and its readiness probes. The caller stops the service
 * (Runtime.destroyJob stops them all).
 */
export async function startService(
  runtime: Runtime,
  job: JobHandle,
  service: ServiceSpec,
  image: ResolvedImage,
  env: Record<string, string>,
  sink: LogSink & { tail(): string },
  limits?: ResourceLimits,
): Promise<ServiceHandle> {
  const withLimits = limits ? { limits } : {};
  const handle = await runtime.startService(
    job,
    {
      name: `svc-${service.name}`,
      lowerDirs: image.lowerDirs,
      imageConfig: image.config,
      env: { ...env, ...service.env },
      hostname: service.name,
      ...(service.command ? { args: service.command } : {}),
      ...withLimits,
    },
    { sink },
  );
  if (!service.ready) return handle;
  const deadline = Date.now() + service.ready.timeoutMs;
  let exited = false;
  void handle.done.then(() => {
    exited = true;
  });
  const notReady = (why: string) =>
    new SlipwayError(`service ${service.name} ${why}; last output:\n${sink.tail() || '(none)'}`, {
      context: { service: service.name, image: image.ref },
    });
  for (let probe = 0; ; probe++) {
    if (exited) throw notReady('exited before it was ready');
    if (Date.now() > deadline) throw notReady(`was not ready within ${service.ready.timeoutMs / 1000}s`);
    if ('port' in service.ready) {
      if (!handle.ip) throw notReady('has no address on the job network to probe');
      const ok = await waitForTcp(handle.ip, service.ready.port, 500).then(
        () => true,
        () => false,
      );
      if (ok) return handle;
    } else {
      const probeSink = { write() {} };
      const result = await runtime.run(
        job,
        {
          name: `ready-${service.name}-${probe}`,
          lowerDirs: image.lowerDirs,
          imageConfig: image.config,
          env: { ...env, ...service.env },
          script: service.ready.command,
          ...withLimits,
        },
        { sink: probeSink, timeoutMs: Math.max(1000, deadline - Date.now()) },
      );
      if (result.exitCode === 0) return handle;
    }
    await sleep(250);
  }
}
