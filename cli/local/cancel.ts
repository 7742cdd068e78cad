/** How long `slipway exec` waits after the first SIGINT/SIGTERM before it exits regardless. */
export const CANCEL_DEADLINE_MS = 4000;

/**
 * Runs `work` with a signal that SIGINT or SIGTERM aborts (saying so once), and removes the
 * handlers afterwards. `cancelled` tells whether a signal came. Whatever `work` is doing, the
 * process ends within `deadlineMs` of the first signal: cancelled work tears its containers
 * down as it stops; if it has not finished by then (or a second signal comes), the process
 * exits with 130 and the next start's GC removes what is left.
 */
export async function cancellableBySignals<T>(
  work: (signal: AbortSignal) => Promise<T>,
  deadlineMs = CANCEL_DEADLINE_MS,
): Promise<{ value: T; cancelled: boolean }> {
  const abort = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      console.log(`${sig} again: exiting now`);
      process.exit(130);
    }
    console.log(`\n${sig}: cancelling the run`);
    abort.abort();
    deadline = setTimeout(() => {
      console.log(`the run did not stop within ${deadlineMs / 1000}s of ${sig}: exiting`);
      process.exit(130);
    }, deadlineMs);
    deadline.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const value = await work(abort.signal);
    return { value, cancelled: abort.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Resolves with the first SIGINT or SIGTERM (for long-running commands that stop on either). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
