import { html } from 'hono/html';
import type { runView } from '../api/index.js';
import { STATE_COLOURS, STATE_WORDS } from './states.js';
import { formatDuration } from './time.js';

/** A job as the run view gives it. */
export type JobView = Awaited<ReturnType<typeof runView>>['jobs'][number];

const NODE_W = 190;
const NODE_H = 50;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 8;

/** Each job's column: 0 for a job needing nothing, else one more than its deepest need. */
export function graphColumns(jobs: readonly JobView[]): Map<string, number> {
  const byPlan = new Map(jobs.map((j) => [j.planId, j]));
  const column = new Map<string, number>();
  const visit = (j: JobView, seen: Set<string>): number => {
    const known = column.get(j.planId);
    if (known !== undefined) return known;
    if (seen.has(j.planId)) return 0; // a cycle cannot be planned; never loop on one
    seen.add(j.planId);
    const needs = j.needs.map((n) => byPlan.get(n)).filter((n): n is JobView => n !== undefined);
    const c = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => visit(n, seen)));
    column.set(j.planId, c);
    return c;
  };
  for (const j of jobs) visit(j, new Set());
  return column;
}

/**
 * An edge from a need's right side to a job's left side. Across one gap, one curve; across
 * more columns, it runs along `lane` (the free band under the need's row, free in every column)
 * so it never passes behind a job it does not touch.
 */
function edgePath(x1: number, y1: number, x2: number, y2: number, lane: number): string {
  if (x2 - x1 <= GAP_X + 1) {
    const mid = (x1 + x2) / 2;
    return `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`;
  }
  const g = GAP_X / 2;
  return `M${x1} ${y1} C${x1 + g} ${y1} ${x1 + g / 2} ${lane} ${x1 + g} ${lane} L${x2 - g} ${lane} C${x2 - g / 2} ${lane} ${x2 - g} ${y2} ${x2} ${y2}`;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** What a node says under its name: the duration once it ran, else why it waits, else its state. */
function nodeNote(j: JobView, now: number): string {
  if (j.startedAt !== undefined) return formatDuration((j.finishedAt ?? now) - j.startedAt);
  return j.pendingReason ?? STATE_WORDS[j.state];
}

/**
 * The run's jobs as an SVG graph drawn from `needs`: a column per depth, jobs ordered within it
 * by where their needs sit, an edge from each need to the job needing it; each node links to its job and is
 * coloured by its state. It scrolls sideways when wide; 30+ jobs stay one node per row.
 */
export function jobGraph(jobs: readonly JobView[], now: number) {
  const columns = graphColumns(jobs);
  const at = new Map<string, { x: number; y: number; row: number }>();
  const rows = new Map<number, number>();
  const depth = Math.max(0, ...columns.values());
  // Column by column, jobs sorted by the mean row of what they need (plan order on ties):
  // fewer crossings than plan order alone.
  for (let c = 0; c <= depth; c++) {
    const mean = (j: JobView) => {
      const needed = j.needs.map((n) => at.get(n)?.row).filter((r): r is number => r !== undefined);
      return needed.length ? needed.reduce((a, b) => a + b, 0) / needed.length : 0;
    };
    const inColumn = jobs.filter((j) => (columns.get(j.planId) ?? 0) === c);
    const order = inColumn.map((j, i) => ({ j, i, m: mean(j) })).sort((a, b) => a.m - b.m || a.i - b.i);
    for (const [row, { j }] of order.entries())
      at.set(j.planId, { x: PAD + c * (NODE_W + GAP_X), y: PAD + row * (NODE_H + GAP_Y), row });
    rows.set(c, order.length);
  }
  const width = PAD * 2 + (depth + 1) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...rows.values()) * (NODE_H + GAP_Y) - GAP_Y;
  const edges = jobs.flatMap((j) =>
    j.needs.flatMap((n) => {
      const from = at.get(n);
      const to = at.get(j.planId);
      if (!from || !to) return [];
      const [x1, y1, x2, y2] = [from.x + NODE_W, from.y + NODE_H / 2, to.x, to.y + NODE_H / 2];
      return [html`<path class="edge" d="${edgePath(x1, y1, x2, y2, from.y + NODE_H + GAP_Y / 2)}"/>`];
    }),
  );
  const nodes = jobs.map((j) => {
    const p = at.get(j.planId) ?? { x: 0, y: 0 };
    return html`<a href="/jobs/${j.id}" class="node" data-job="${j.planId}" data-state="${j.state}"><title>${j.name}: ${STATE_WORDS[j.state]}${j.pendingReason ? ` (${j.pendingReason})` : ''}</title>
<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>
<circle cx="${p.x + 14}" cy="${p.y + 17}" r="5" fill="${STATE_COLOURS[j.state]}"/>
<text class="name" x="${p.x + 26}" y="${p.y + 21}">${clip(j.name, 22)}</text>
<text class="note" x="${p.x + 12}" y="${p.y + 39}">${clip(nodeNote(j, now), 28)}</text></a>`;
  });
  return html`<div class="graph-wrap"><svg class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="job graph">${edges}${nodes}</svg></div>`;
}
