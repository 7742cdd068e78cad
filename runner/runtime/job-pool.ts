import { randomBytes } from 'node:crypto';
import { log } from '../../lib/log.js';
import type { JobHandle, PrepareJobOptions, Runtime } from './types.js';

const logger = log.child({ module: 'runtime/job-pool' });

/** The one kind of job environment a pool keeps ready (what the executor asks for by default). */
export interface JobPoolOptions {
  /** Environments the pool holds: ready, in use and being recycled (a runner: twice its slots, and one). */
  size: number;
  network: PrepareJobOptions['network'];
  diskBytes?: number;
  /** Jobs one environment serves (recycled in between) before it is destroyed and replaced; default 50. */
  maxUses?: number;
}

/**
 * Making and removing an environment costs ~225 ms of CPU (mkfs, loop mount, bridge, firewall,
 * CNI; 2-core VM), ~4.5 ms per job at 50 jobs; yet 200 measured no faster in bench/throughput
 * (15.4-16.6 jobs/s against 15.8-17.4 at 50, within this VM's noise), so the shorter life,
 * which bounds whatever one filesystem and network gather over many jobs, stays.
 */
const DEFAULT_MAX_USES = 50;

/** A Runtime whose prepareJob hands out ready environments; `close()` destroys the unused ones, and those still being prepared once they are ready. */
export interface PooledRuntime extends Runtime {
  close(): Promise<void>;
}

/**
 * Wraps `rt` so that a job's network and disk (the slowest part of starting a job: an ext4
 * disk and a bridge network take hundreds of milliseconds) are made before the job arrives.
 * prepareJob with the pool's network and disk size takes a ready environment (its id is the
 * pool's, not the caller's); any other request, or an empty pool, is prepared as usual.
 * When a job of the pool's is destroyed, its environment is recycled (Runtime.recycleJob: its
 * containers gone, a fresh disk, the network kept) and goes back to the pool, up to `maxUses`
 * jobs; otherwise, or when recycling fails, it is destroyed and a new one is prepared (also at
 * start), so preparing never competes with a starting job. A job that finds the pool empty while
 * an environment is being recycled waits for that one (tens of ms) rather than preparing its
 * own (hundreds). The pool's `size` counts every environment it holds (ready, in use, being
 * recycled; a runner: its slots' jobs, their next ones, and one more, as a slot frees before its
 * last job's teardown ends), so nothing is prepared beyond it. A runner killed outright leaves the
 * ready ones to the data dir's GC, like any other job state.
 */
export function pooledRuntime(rt: Runtime, opts: JobPoolOptions): PooledRuntime {
  const ready: JobHandle[] = [];
  /** Jobs served so far by each environment handed out, by handle. */
  const uses = new Map<JobHandle, number>();
  /** The pool's environments a job holds now (handed out, not yet destroyed). */
  const inUse = new Set<JobHandle>();
  const maxUses = opts.maxUses ?? DEFAULT_MAX_USES;
  /** Environments being prepared; close() waits for them (each is destroyed once ready). */
  const preparing = new Set<Promise<void>>();
  let closed = false;
  /** Environments being recycled now, and the jobs waiting for one of them (see prepareJob). */
  let recycling = 0;
  const waiters: Array<(handle: JobHandle | undefined) => void> = [];
  /** A ready environment goes to the longest waiting job, or back to the pool. */
  const give = (handle: JobHandle) => {
    const waiter = waiters.shift();
    if (!waiter) return void ready.push(handle);
    inUse.add(handle); // counted as held at once: fill() may run before the waiter resumes
    waiter(handle);
  };
  const matches = (o: PrepareJobOptions) => o.network === opts.network && o.diskBytes === opts.diskBytes;
  const fill = () => {
    while (!closed && ready.length + preparing.size + inUse.size + recycling < opts.size) {
      const id = `pool${randomBytes(6).toString('hex')}`;
      const prepared: Promise<void> = rt
        .prepareJob({ id, network: opts.network, ...(opts.diskBytes ? { diskBytes: opts.diskBytes } : {}) })
        .then(
          async (handle) => {
            if (closed) await rt.destroyJob(handle);
            else give(handle);
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
      if (!matches(o) || closed) return rt.prepareJob(o);
      let handle = ready.shift();
      // One coming back from its last job (tens of ms) is sooner than a new one (hundreds).
      if (!handle && recycling > waiters.length)
        handle = await new Promise<JobHandle | undefined>((resolve) => waiters.push(resolve));
      if (!handle) return rt.prepareJob(o);
      uses.set(handle, (uses.get(handle) ?? 0) + 1);
      inUse.add(handle);
      return handle;
    },
    async destroyJob(job) {
      const used = uses.get(job);
      uses.delete(job);
      inUse.delete(job);
      try {
        if (used !== undefined && used < maxUses && rt.recycleJob && !closed) {
          recycling++;
          const fresh = await rt
            .recycleJob(job)
            .catch((err: Error) => {
              logger.warn(
                { job: job.id, err: err.message },
                'could not recycle a job environment: it is destroyed',
              );
              return undefined;
            })
            .finally(() => recycling--);
          if (fresh && !closed) {
            uses.set(fresh, used);
            give(fresh);
            return;
          }
          // A job waiting for this one prepares its own (fill() below prepares for the pool).
          if (recycling < waiters.length) waiters.shift()?.(undefined);
          if (fresh) return await rt.destroyJob(fresh);
        }
        await rt.destroyJob(job);
      } finally {
        fill();
      }
    },
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter(undefined);
      // One being prepared (a job just ended refills its slot) is destroyed as soon as it is ready.
      await Promise.all([
        ...ready.splice(0).map((h) => rt.destroyJob(h).catch(() => undefined)),
        ...[...preparing].map((p) => p.catch(() => undefined)),
      ]);
    },
  };
}
