import { matchesAny } from '../schema/glob.js';
import type { Triggers, When } from '../schema/pipeline.js';
import { describeEvent, filterBranch, type PlanEvent } from './event.js';

/**
 * `on` and `when` evaluated against an event. Each returns undefined when the condition
 * holds, or the reason it does not — the reason is what `slipway plan` shows.
 */
const list = (globs: readonly string[]) => JSON.stringify(globs);

/** Whether the pipeline's triggers accept the event. No `on` accepts every event. */
export function triggerMismatch(on: Triggers | undefined, event: PlanEvent): string | undefined {
  if (on === undefined) return undefined;
  const what = describeEvent(event);
  if (event.kind === 'manual') return on.manual ? undefined : `"on" has no "manual" trigger`;
  if (event.kind === 'pull_request') {
    const pr = on.pull_request;
    if (!pr) return `"on" has no "pull_request" trigger`;
    const branch = filterBranch(event) ?? '';
    if (pr.branches && !matchesAny(branch, pr.branches))
      return `on.pull_request.branches ${list(pr.branches)} does not match ${what}`;
    return pathMismatch('on.pull_request', pr.paths, pr['paths-ignore'], event);
  }
  const push = on.push;
  if (!push) return `"on" has no "push" trigger (needed for a ${what})`;
  if (event.kind === 'tag') {
    if (push.tags === undefined && push.branches !== undefined)
      return `on.push lists only branches, not tags (${what})`;
    if (push.tags && !matchesAny(event.tag ?? '', push.tags))
      return `on.push.tags ${list(push.tags)} does not match ${what}`;
    return undefined;
  }
  if (push.branches === undefined && push.tags !== undefined)
    return `on.push lists only tags, not branches (${what})`;
  if (push.branches && !matchesAny(event.branch ?? '', push.branches)) {
    return `on.push.branches ${list(push.branches)} does not match ${what}`;
  }
  return pathMismatch('on.push', push.paths, push['paths-ignore'], event);
}

/** Whether a job's or step's plan-time `when` conditions (all but `status`) hold. */
export function whenMismatch(when: When | undefined, event: PlanEvent): string | undefined {
  if (!when) return undefined;
  const what = describeEvent(event);
  if (when.event && !when.event.includes(event.kind)) {
    return `when.event ${list(when.event)} does not include "${event.kind}"`;
  }
  if (when.branch) {
    const branch = filterBranch(event);
    if (branch === undefined)
      return `when.branch ${list(when.branch)} needs a branch, but the event is a ${what}`;
    if (!matchesAny(branch, when.branch)) return `when.branch ${list(when.branch)} does not match ${what}`;
  }
  if (when.tag) {
    if (event.kind !== 'tag') return `when.tag ${list(when.tag)} needs a tag, but the event is a ${what}`;
    if (!matchesAny(event.tag ?? '', when.tag)) return `when.tag ${list(when.tag)} does not match ${what}`;
  }
  if (when.path) return pathMismatch('when.path', when.path.include, when.path.exclude, event);
  return undefined;
}

function pathMismatch(
  where: string,
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
  event: PlanEvent,
): string | undefined {
  const changed = event.changedPaths;
  if (changed === undefined || (include === undefined && exclude === undefined)) return undefined;
  const relevant = changed.filter(
    (p) =>
      (include === undefined || matchesAny(p, include)) && (exclude === undefined || !matchesAny(p, exclude)),
  );
  if (relevant.length > 0) return undefined;
  const filters = [include && `include ${list(include)}`, exclude && `exclude ${list(exclude)}`]
    .filter(Boolean)
    .join(', ');
  return `${where} (${filters}) matches none of the ${changed.length} changed path${changed.length === 1 ? '' : 's'}`;
}
