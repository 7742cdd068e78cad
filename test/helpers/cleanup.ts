import { after } from 'node:test';

/**
 * Cleanup that runs once the whole test file has finished, pass or fail, in reverse order of
 * registration. Unlike node:test's `after()`, it is safe to call from anywhere — inside a
 * `before()` hook, a test, or a helper — because the one `after()` is registered on the file's
 * root when this module is first imported. Outside a test run (benchmarks) it runs on exit
 * of the process instead (best effort; synchronous work only finishes there).
 */
const tasks: Array<() => unknown> = [];

async function runAll(): Promise<void> {
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    try {
      await task();
    } catch {
      // cleanup is best effort; the failing test already reports the real problem
    }
  }
}

if (process.env.NODE_TEST_CONTEXT) after(runAll);
else process.once('beforeExit', () => void runAll());

export function onCleanup(task: () => unknown): void {
  tasks.push(task);
}

/** Runs the cleanups registered so far now (a benchmark before its process.exit, which skips beforeExit). */
export function cleanUpNow(): Promise<void> {
  return runAll();
}
