import type { RunPlan } from './plan.js';

/**
 * The human view of a RunPlan that `slipway plan` prints: jobs that run, layer by layer, with
 * their image and what they do, then every skipped job with its reason. Pure.
 */
export function formatPlan(plan: RunPlan): string {
  const lines = [`pipeline "${plan.pipeline}" (${plan.file}) for ${plan.event}`];
  if (!plan.triggered) {
    lines.push(`  not triggered: ${plan.reason ?? ''}`);
    return lines.join('\n');
  }
  const width = Math.max(0, ...plan.jobs.map((j) => j.name.length));
  const imageWidth = Math.max(0, ...plan.jobs.map((j) => (j.spec.image ?? '-').length));
  for (const [i, layer] of plan.layers.entries()) {
    lines.push(`  layer ${i + 1}`);
    for (const id of layer) {
      const job = plan.jobs.find((j) => j.id === id);
      if (!job) continue;
      const s = job.spec;
      const what = [`${s.steps.length} step${s.steps.length === 1 ? '' : 's'}`];
      if (s.services.length > 0) what.push(`services: ${s.services.map((x) => x.name).join(', ')}`);
      if (s.build)
        what.push(
          `build${s.build.push ? ' + push' : ''}${s.build.tags.length ? ` ${s.build.tags.join(', ')}` : ''}`,
        );
      const after = [...new Set(s.needs.map((n) => plan.jobs.find((j) => j.id === n)?.job ?? n))];
      if (after.length > 0) what.push(`after ${after.join(', ')}`);
      if (s.when.status.join() !== 'success') what.push(`when status ${s.when.status.join('|')}`);
      if (s.allowFailure) what.push('may fail');
      lines.push(`    ${job.name.padEnd(width)}  ${(s.image ?? '-').padEnd(imageWidth)}  ${what.join('; ')}`);
    }
  }
  if (plan.jobs.length === 0) lines.push('  no jobs run');
  if (plan.skipped.length > 0) {
    lines.push('  skipped');
    for (const s of plan.skipped) lines.push(`    ${s.job}: ${s.reason}`);
  }
  return lines.join('\n');
}
