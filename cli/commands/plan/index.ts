import type { Command } from 'commander';

interface PlanOptions {
  event: string;
  branch?: string;
  tag?: string;
  changed?: string;
  pr?: string;
  json?: boolean;
}

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
    .action(async (path: string, opts: PlanOptions) => {
      const { loadPipelines } = await import('../../../pipelines/load.js');
      const { formatError } = await import('../../../pipelines/parse/errors.js');
      const { formatPlan, makeEvent, planRun, PlanEventSchema } = await import(
        '../../../pipelines/plan/index.js'
      );
      const kind = opts.tag !== undefined && opts.event === 'push' ? 'tag' : opts.event;
      const [prNumber, prTarget] = (opts.pr ?? '').split(':');
      const partial = {
        kind,
        ...(opts.branch === undefined ? {} : { branch: opts.branch }),
        ...(opts.tag === undefined ? {} : { tag: opts.tag }),
        ...(opts.changed === undefined ? {} : { changedPaths: opts.changed.split(',').filter(Boolean) }),
        ...(opts.pr === undefined
          ? {}
          : { pullRequest: { number: Number(prNumber), targetBranch: prTarget || 'main' } }),
      };
      const checked = PlanEventSchema.partial().safeParse(partial);
      if (!checked.success) {
        console.error(
          `slipway plan: bad event: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
        process.exit(2);
      }
      const event = makeEvent(checked.data);
      const loaded = await loadPipelines(path).catch((e: unknown) => {
        console.error(`slipway plan: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(2);
      });
      if (loaded.length === 0) {
        console.error(`slipway plan: no .slipway.yml or .slipway/*.yml in ${path}`);
        process.exit(2);
      }
      const plans = [];
      for (const { result } of loaded) {
        const planned = result.ok ? planRun(result, event) : result;
        if (!planned.ok) {
          for (const e of planned.errors) console.log(formatError(e));
          process.exitCode = 1;
        } else plans.push(planned.plan);
      }
      if (opts.json) console.log(JSON.stringify(plans, null, 2));
      else console.log(plans.map(formatPlan).join('\n\n'));
    });
}
