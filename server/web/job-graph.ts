import { html } from 'hono/html';
import { type GraphUnit, graphUnits, type JobView } from './graph-units.js';
import { STATE_COLOURS, STATE_WORDS } from './states.js';

export type { JobView } from './graph-units.js';

const NODE_W = 190;
const NODE_H = 50;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 8;

/** Each node's column: 0 for one needing nothing, else one more than its deepest need. */
export function graphColumns(units: readonly GraphUnit[]): Map<string, number> {
  const byId = new Map(units.map((u) => [u.id, u]));
  const column = new Map<string, number>();
  const visit = (u: GraphUnit, seen: Set<string>): number => {
    const known = column.get(u.id);
    if (known !== undefined) return known;
    if (seen.has(u.id)) return 0; // a cycle cannot be planned; never loop on one
    seen.add(u.id);
    const needs = u.needs.map((n) => byId.get(n)).filter((n): n is GraphUnit => n !== undefined);
    const c = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => visit(n, seen)));
    column.set(u.id, c);
    return c;
  };
  for (const u of units) visit(u, new Set());
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

/** Variant dots a group node has room for (the rest are counted). */
const DOTS = 11;

/** One job's node: a link to its page, its state's colour, its name and its note. */
function jobNode(u: GraphUnit, j: JobView, p: { x: number; y: number }) {
  return html`<a href="/jobs/${j.id}" class="node" data-job="${j.planId}" data-state="${j.state}"><title>${j.name}: ${STATE_WORDS[j.state]}${j.pendingReason ? ` (${j.pendingReason})` : ''}</title>
<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>
<circle cx="${p.x + 14}" cy="${p.y + 17}" r="5" fill="${STATE_COLOURS[j.state]}"/>
<text class="name" x="${p.x + 26}" y="${p.y + 21}">${clip(u.name, 22)}</text>
<text class="note" x="${p.x + 12}" y="${p.y + 39}">${clip(u.note, 28)}</text></a>`;
}

/** A matrix job's node: the group's state and tally, and a dot per variant linking to it. */
function groupNode(u: GraphUnit, p: { x: number; y: number }) {
  const shown = u.jobs.length > DOTS ? u.jobs.slice(0, DOTS - 1) : u.jobs;
  const dots = shown.map(
    (j, i) =>
      html`<a href="/jobs/${j.id}" class="variant" data-job="${j.planId}" data-state="${j.state}"><title>${j.name}: ${STATE_WORDS[j.state]}</title><circle cx="${p.x + 16 + i * 15}" cy="${p.y + 36}" r="5.5" fill="${STATE_COLOURS[j.state]}"/></a>`,
  );
  const more = u.jobs.length - shown.length;
  return html`<g class="node group" data-job="${u.id}" data-state="${u.state}"><title>${u.name}: ${STATE_WORDS[u.state]} (${u.note})</title>
<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>
<circle cx="${p.x + 14}" cy="${p.y + 17}" r="5" fill="${STATE_COLOURS[u.state]}"/>
<text class="name" x="${p.x + 26}" y="${p.y + 21}">${clip(u.name, 16)} <tspan class="count">×${u.jobs.length}</tspan></text>
${dots}${more > 0 ? html`<text class="note" x="${p.x + 16 + shown.length * 15}" y="${p.y + 40}">+${more}</text>` : ''}</g>`;
}

/**
 * The run's jobs as an SVG graph drawn from `needs`: a column per depth, jobs ordered within it
 * by where their needs sit, an edge from each need to the job needing it; each node links to its job and is
 * coloured by its state. A matrix job's variants are one node (the group's state, a linked dot
 * per variant), so a wide matrix costs one row, not one per variant. It scrolls sideways when wide; 30+ jobs stay one node per row.
 */
export function jobGraph(jobs: readonly JobView[], now: number) {
  const units = graphUnits(jobs, now);
  const columns = graphColumns(units);
  const at = new Map<string, { x: number; y: number; row: number }>();
  const rows = new Map<number, number>();
  const depth = Math.max(0, ...columns.values());
  // Column by column, jobs sorted by the mean row of what they need (plan order on ties):
  // fewer crossings than plan order alone.
  for (let c = 0; c <= depth; c++) {
    const mean = (u: GraphUnit) => {
      const needed = u.needs.map((n) => at.get(n)?.row).filter((r): r is number => r !== undefined);
      return needed.length ? needed.reduce((a, b) => a + b, 0) / needed.length : 0;
    };
    const inColumn = units.filter((u) => (columns.get(u.id) ?? 0) === c);
    const order = inColumn.map((u, i) => ({ u, i, m: mean(u) })).sort((a, b) => a.m - b.m || a.i - b.i);
    for (const [row, { u }] of order.entries())
      at.set(u.id, { x: PAD + c * (NODE_W + GAP_X), y: PAD + row * (NODE_H + GAP_Y), row });
    rows.set(c, order.length);
  }
  const width = PAD * 2 + (depth + 1) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...rows.values()) * (NODE_H + GAP_Y) - GAP_Y;
  const edges = units.flatMap((u) =>
    u.needs.flatMap((n) => {
      const from = at.get(n);
      const to = at.get(u.id);
      if (!from || !to) return [];
      const [x1, y1, x2, y2] = [from.x + NODE_W, from.y + NODE_H / 2, to.x, to.y + NODE_H / 2];
      return [html`<path class="edge" d="${edgePath(x1, y1, x2, y2, from.y + NODE_H + GAP_Y / 2)}"/>`];
    }),
  );
  const nodes = units.map((u) => {
    const p = at.get(u.id) ?? { x: 0, y: 0 };
    return u.group ? groupNode(u, p) : jobNode(u, u.jobs[0] as JobView, p);
  });
  return html`<div class="graph-wrap"><svg class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="job graph">${edges}${nodes}</svg></div>`;
}
