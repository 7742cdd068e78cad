export { BuildFailure } from './engine/errors.js';
export type { BuildEvent, BuildHost, BuildOptions, BuildResult, BuildStepSummary } from './types.js';

import type { BuildOptions, BuildResult } from './types.js';

/**
 * Builds the image. Throws a `BuildFailure` (a permanent SlipwayError) for bad input and failing
 * instructions: the message names `Dockerfile:line` and the instruction, and for a failed RUN
 * its exit code and the last output lines (`exitCode`, `outputTail`). Safe to run concurrently
 * on one data dir.
 */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const { runBuild } = await import('./engine/build.js');
  return runBuild(opts);
}

export { cleanContextPath, resolveInContext } from './context/scoped-path.js';
