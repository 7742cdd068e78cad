import type { RunningContainer } from './container.js';
import type { RunResult } from './types.js';

/**
 * Waits for `startAfter` of a container started held, then lets it go (undefined). When the
 * container ends first (a cancel, or the hold's timeout), that result is returned. When
 * `startAfter` rejects, the container's start is made to fail, and once it is gone the
 * rejection is rethrown: nothing ran.
 */
export async function holdUntil(
  running: RunningContainer,
  startAfter: Promise<unknown>,
): Promise<RunResult | undefined> {
  const gate = await Promise.race([
    startAfter.then(
      () => ({ go: true as const }),
      (err: unknown) => ({ go: false as const, err: err ?? new Error('the container was not let start') }),
    ),
    running.done.then(() => undefined),
  ]);
  if (!gate) return running.done;
  running.release(gate.go);
  if (gate.go) return undefined;
  await running.done;
  throw gate.err;
}
