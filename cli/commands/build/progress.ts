import type { BuildEvent } from '../../../runner/builder/index.js';

/**
 * Prints build progress like `docker build`: `Step n/m : INSTR`, ` ---> Using cache` /
 * ` ---> Running in …`, the output, and ` ---> done in 1.2s`. Writes to stdout.
 */
export function buildProgressPrinter(write: (line: string) => void = (l) => console.log(l)) {
  return (e: BuildEvent) => {
    switch (e.type) {
      case 'step-start':
        write(`Step ${e.index}/${e.total} : ${e.instruction}`);
        break;
      case 'step-cached':
        write(' ---> CACHED');
        break;
      case 'step-running':
        write(` ---> Running in ${e.container ?? 'build'}`);
        break;
      case 'log':
        write(e.line.text);
        break;
      case 'step-done':
        if (!e.cached) write(` ---> done in ${(e.durationMs / 1000).toFixed(2)}s`);
        break;
      case 'pushed':
        write(`pushed ${e.ref} ${e.digest}`);
        break;
      case 'cache-exported':
        write(`exported ${e.entries} cache entries to ${e.ref}`);
        break;
    }
  };
}
