/** `slipway plan`'s options (see index.ts). */
export interface PlanOptions {
  event: string;
  branch?: string;
  tag?: string;
  changed?: string;
  pr?: string;
  json?: boolean;
}

/** `slipway plan [path]`: prints the plan (or its JSON) for the event; sets the exit code. */
export async function planCommand(path: string, opts: PlanOptions): Promise<void> {
  const { loadPipelines } = await import('../../../pipelines/index.js');
  const { formatError } = await import('../../../pipelines/index.js');
  const { formatPlan, makeEvent, planRun, PlanEventSchema } = await import('../../../pipelines/index.js');
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
}
