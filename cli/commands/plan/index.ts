import type { Command } from 'commander';
import type { PlanOptions } from './run.js';

/**
 * `slipway plan [path] --event push --branch main [--tag v1] [--changed a,b]`: shows what a
 * run would do for that event — the jobs that run in DAG layer order (image, steps, services,
 * builds) and why each other job is skipped. `--json` prints the RunPlans with their JobSpecs.
 * Exits 1 when a pipeline has errors.
 */
export function register(program: Command): void {
  program
    .command('plan')
    .description('show which jobs a run would start for an event, in order, and why others are skipped')
    .argument('[path]', 'repository directory or pipeline file', '.')
    .option('--event <kind>', 'push | tag | pull_request | manual', 'push')
    .option('--branch <name>', 'branch pushed (for pull_request: the source branch)')
    .option('--tag <name>', 'tag pushed (implies --event tag)')
    .option('--changed <paths>', 'comma-separated changed paths (default: unknown, path filters pass)')
    .option('--pr <number:target>', 'pull request number and target branch, e.g. 12:main')
    .option('--json', 'print the RunPlan JSON including every JobSpec')
    .action(async (path: string, opts: PlanOptions) => (await import('./run.js')).planCommand(path, opts));
}
