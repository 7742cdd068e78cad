import { randomBytes } from 'node:crypto';
import { log } from '../../lib/log.js';
import type { JobHandle, PrepareJobOptions, Runtime } from './types.js';

const logger = log.child({ module: 'runtime/job-pool' });

/** The one kind of job environment a pool keeps ready (what the executor asks for by default). */
export interface JobPoolOptions {
  /** Environments kept ready (a runner: its concurrency). */
  size: number;
  network: PrepareJobOptions['network'];
  diskBytes?: number;
}

/** A Runtime whose prepareJob hands out ready environments; `close()` destroys the unused ones, and those still being prepared once they are ready. */
export interface PooledRuntime extends Runtime {
  close(): Promise<void>;
}

/**
 * Wraps `rt` so that a job's network and disk (the slowest part of starting a job: an ext4
 * disk and a bridge network take hundreds of milliseconds) are made before the job arrives.
 * prepareJob with the pool's network and disk size takes a ready environment (its id is the
 * pool's, not the caller's); any other request, or an empty pool, is prepared as usual.
 * Environments are never reused: each one serves one job and is destroyed with it, and a new
 * one is prepared once a job is destroyed (and at start), so preparing never competes with a
 * starting job. A runner killed outright leaves the ready ones to the data dir's GC, like any
 * other job state.
 */
export function pooledRuntime(rt: Runtime, opts: JobPoolOptions): PooledRuntime {
  const ready: JobHandle[] = [];
  /** Environments being prepared; close() waits for them (each is destroyed once ready). */
  const preparing = new Set<Promise<void>>();
  let closed = false;
  const matches = (o: PrepareJobOptions) => o.network === opts.network && o.diskBytes === opts.diskBytes;
  const fill = () => {
    while (!closed && ready.length + preparing.size < opts.size) {
      const id = `pool${randomBytes(6).toString('hex')}`;
      const prepared: Promise<void> = rt
        .prepareJob({ id, network: opts.network, ...(opts.diskBytes ? { diskBytes: opts.diskBytes } : {}) })
        .then(
          async (handle) => {
            if (closed) await rt.destroyJob(handle);
            else ready.push(handle);
          },
          (err) => logger.warn({ err: (err as Error).message }, 'could not prepare a job environment ahead'),
        )
        .finally(() => preparing.delete(prepared));
      preparing.add(prepared);
    }
  };
  fill();
  return {
    run: (job, spec, o) => rt.run(job, spec, o),
    startService: (job, spec, o) => rt.startService(job, spec, o),
    stopService: (service, graceMs) => rt.stopService(service, graceMs),
    kill: (job, name, signal) => rt.kill(job, name, signal),
    exec: (job, name, script, o) => rt.exec(job, name, script, o),
    async prepareJob(o) {
      const handle = matches(o) ? ready.shift() : undefined;
      return handle ?? rt.prepareJob(o);
    },
    async destroyJob(job) {
      try {
        await rt.destroyJob(job);
      } finally {
        fill();
      }
    },
    async close() {
      closed = true;
      // One being prepared (a job just ended refills its slot) is destroyed as soon as it is ready.
      await Promise.all([
        ...ready.splice(0).map((h) => rt.destroyJob(h).catch(() => undefined)),
        ...[...preparing].map((p) => p.catch(() => undefined)),
      ]);
    },
  };
}
