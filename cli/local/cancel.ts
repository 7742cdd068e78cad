/**
 * Runs `work` with a signal that SIGINT or SIGTERM aborts (saying so once), and removes the
 * handlers afterwards. `cancelled` tells whether a signal came.
 */
export async function cancellableBySignals<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; cancelled: boolean }> {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    console.log(`\n${sig}: cancelling the run`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const value = await work(abort.signal);
    return { value, cancelled: abort.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
