import type { runView } from '../api/index.js';
import type { ShownState } from './states.js';
import { STATE_WORDS } from './states.js';
import { formatDuration } from './time.js';

/** A job as the run view gives it. */
export type JobView = Awaited<ReturnType<typeof runView>>['jobs'][number];

/** A node of the job graph: one job, or all the variants of one matrix job. */
export interface GraphUnit {
  /** The job's plan id, or the matrix job's key in the pipeline file. */
  id: string;
  name: string;
  state: ShownState;
  /** Ids of the units it needs (a need on any variant is a need on its group). */
  needs: string[];
  /** The job, or the variants in plan order. */
  jobs: JobView[];
  /** Whether this is a matrix job's variants (even just one). */
  group: boolean;
  /** Under the name: a duration, why it waits, or the variants' tally. */
  note: string;
}

/** A matrix variant's group: its job's key (a job key holds no space; a variant is `key (a=1)`). */
const groupOf = (j: JobView) => (j.matrix ? j.name.split(' (')[0] : undefined);

/** Which state a group shows: still going on first, then the worst of what ended. */
const GROUP_ORDER: ShownState[] = [
  'running',
  'queued',
  'waiting',
  'failure',
  'cancelled',
  'success',
  'skipped',
];

function groupState(jobs: readonly JobView[]): ShownState {
  for (const s of GROUP_ORDER) if (jobs.some((j) => j.state === s)) return s;
  return jobs[0]?.state ?? 'waiting';
}

function jobNote(j: JobView, now: number): string {
  if (j.startedAt !== undefined) return formatDuration((j.finishedAt ?? now) - j.startedAt);
  return j.pendingReason ?? STATE_WORDS[j.state];
}

function groupNote(jobs: readonly JobView[]): string {
  const passed = jobs.filter((j) => j.state === 'success').length;
  const failed = jobs.filter((j) => j.state === 'failure').length;
  return [`${jobs.length} variants`, passed ? `${passed} passed` : '', failed ? `${failed} failed` : '']
    .filter(Boolean)
    .join(' · ');
}

/** The run's jobs as graph nodes, in plan order: each matrix job's variants become one. */
export function graphUnits(jobs: readonly JobView[], now: number): GraphUnit[] {
  const unitOf = new Map(jobs.map((j) => [j.planId, groupOf(j) ?? j.planId]));
  const units = new Map<string, JobView[]>();
  for (const j of jobs) {
    const id = unitOf.get(j.planId) as string;
    units.set(id, [...(units.get(id) ?? []), j]);
  }
  return [...units].map(([id, members]) => {
    const needs = new Set(members.flatMap((j) => j.needs.map((n) => unitOf.get(n) ?? n)));
    needs.delete(id);
    const first = members[0] as JobView;
    const single = members.length === 1 && !first.matrix;
    return {
      id,
      group: !single,
      name: single ? first.name : id,
      state: single ? first.state : groupState(members),
      needs: [...needs],
      jobs: members,
      note: single ? jobNote(first, now) : groupNote(members),
    };
  });
}
