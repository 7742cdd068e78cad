import type { Redis } from 'ioredis';
import { wireKeys } from '../../pipelines/index.js';

/** The abort reason of a job whose lock was lost: it may run elsewhere now, so it stops without a report. */
export const LOCK_LOST = 'lock lost';

/**
 * Cancel signals for the jobs a runner holds: the truth is the `wireKeys.cancel` key (polled
 * every `pollMs`), the pub/sub channel only wakes the runner sooner. `watch(jobId)` gives the
 * job's AbortController; `unwatch` when it ends. `close()` stops polling and the subscriber.
 */
export function cancelWatcher(redis: Redis, pollMs = 1_000) {
  const jobs = new Map<string, AbortController>();
  const subscriber = redis.duplicate();
  void subscriber.subscribe(wireKeys.cancelChannel).catch(() => undefined);
  subscriber.on('message', (_channel: string, jobId: string) =>
    jobs.get(jobId)?.abort(new Error('cancelled')),
  );
  const check = async () => {
    for (const [jobId, controller] of jobs)
      if (!controller.signal.aborted && (await redis.exists(wireKeys.cancel(jobId))) === 1)
        controller.abort(new Error('cancelled'));
  };
  const timer = setInterval(() => void check().catch(() => undefined), pollMs);
  return {
    async watch(jobId: string): Promise<AbortController> {
      const controller = new AbortController();
      jobs.set(jobId, controller);
      if ((await redis.exists(wireKeys.cancel(jobId))) === 1) controller.abort(new Error('cancelled'));
      return controller;
    },
    unwatch(jobId: string): void {
      jobs.delete(jobId);
    },
    /** Aborts one watched job (its lock was lost); nothing when it is not watched. */
    abort(jobId: string, reason: Error): void {
      jobs.get(jobId)?.abort(reason);
    },
    /** Aborts every watched job (a drain past its grace period). */
    abortAll(reason: Error): void {
      for (const c of jobs.values()) c.abort(reason);
    },
    get running(): string[] {
      return [...jobs.keys()];
    },
    close(): void {
      clearInterval(timer);
      subscriber.disconnect();
    },
  };
}
