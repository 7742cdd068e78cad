/** A signal bounded by a deadline, and what releases it. */
export interface Deadline {
  /** Aborts with a `TimeoutError` once `ms` passed, or with the reason of a given signal. */
  readonly signal: AbortSignal;
  /** Clears the timer and the listeners; call it when the work ends. Idempotent. */
  dispose(): void;
}

/**
 * A signal that aborts after `ms` or as soon as one of `signals` does. Use it instead of
 * `AbortSignal.any([AbortSignal.timeout(ms), …])`: Node 20 may garbage-collect that inner
 * timeout signal before it fires (nodejs/node#57736), and the deadline then never comes.
 * Here the timer holds the controller strongly until it fires or `dispose()` is called.
 */
export function deadline(ms: number, ...signals: AbortSignal[]): Deadline {
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
    dispose();
  };
  const listeners = signals.map((s) => {
    const onAbort = () => abort(s.reason);
    return { s, onAbort };
  });
  const timer = setTimeout(
    () => abort(new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError')),
    ms,
  );
  timer.unref(); // like AbortSignal.timeout: the deadline alone keeps no process alive
  function dispose() {
    clearTimeout(timer);
    for (const { s, onAbort } of listeners) s.removeEventListener('abort', onAbort);
  }
  for (const { s, onAbort } of listeners) {
    if (s.aborted) {
      abort(s.reason);
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, dispose };
}
