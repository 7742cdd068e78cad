/** How long a phase may keep running after its job's signal fired before the job stops waiting. */
export const ABORT_GRACE_MS = 1500;

/**
 * Waits for `work` but no longer than its job's `signal` allows: once the signal fires, the
 * phase gets `graceMs` to stop by itself (a cooperative phase ends its containers and rejects),
 * then this rejects with the signal's reason, so no phase (a build, a copy of artifacts, a
 * pull) can hold a job past its timeout or its cancel. What `work` does afterwards is ignored.
 */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>, graceMs = ABORT_GRACE_MS): Promise<T> {
  work.catch(() => {});
  if (signal.aborted) return Promise.race([work, rejectAfter(signal, graceMs)]);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => rejectAfter(signal, graceMs).catch(reject);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function rejectAfter(signal: AbortSignal, ms: number): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(signal.reason ?? new Error('aborted')), ms).unref();
  });
}
