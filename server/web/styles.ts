import { STATE_COLOURS } from './states.js';

/** The pages' one stylesheet, served at /assets/app.css: light and dark by prefers-color-scheme. */
export const APP_CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --card: #f6f8fa; --link: #0969da; --focus: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23;
    --link: #4493f8; --focus: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
header.top { display: flex; align-items: center; gap: 12px; padding: 10px 20px;
  border-bottom: 1px solid var(--line); background: var(--card); }
header.top .brand { font-weight: 700; font-size: 16px; color: var(--fg); }
header.top .account { margin-left: auto; display: flex; align-items: center; gap: 8px; }
header.top button, .controls button, form.login button { font: inherit; color: inherit; background: var(--card);
  border: 1px solid var(--line); border-radius: 6px; padding: 2px 10px; cursor: pointer; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 0 0 12px; }
.controls:empty { display: none; }
.controls input { font: inherit; color: inherit; background: var(--card); border: 1px solid var(--line);
  border-radius: 6px; padding: 2px 8px; }
form.login { display: grid; gap: 12px; max-width: 420px; }
form.login input { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: inherit; }
main { max-width: 1100px; margin: 0 auto; padding: 20px; }
h1 { font-size: 20px; margin: 0 0 16px; }
.muted { color: var(--muted); }
.empty { padding: 32px; text-align: center; color: var(--muted); border: 1px dashed var(--line); border-radius: 8px; }
ul.repos { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 8px; }
ul.repos li { display: grid; grid-template-columns: 1fr auto 110px; grid-template-areas: "main spark state";
  align-items: center; gap: 8px 20px; padding: 12px 16px; border-top: 1px solid var(--line); }
ul.repos li:first-child { border-top: 0; }
.repo-main { grid-area: main; min-width: 0; }
ul.repos .sparkline { grid-area: spark; }
ul.repos .state { grid-area: state; justify-self: end; }
.repo-name { font-weight: 600; font-size: 15px; overflow-wrap: anywhere; }
.repo-meta { font-size: 12px; color: var(--muted); }
.state { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; white-space: nowrap; }
.state::before { content: ""; width: 10px; height: 10px; border-radius: 50%; background: var(--state); }
.sparkline { display: block; }
h1 a { color: inherit; }
form.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 0 0 16px; }
form.filters input, form.filters select, form.filters button { font: inherit; color: inherit;
  background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
form.filters button { background: var(--card); cursor: pointer; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table.runs { width: 100%; border-collapse: collapse; }
table.runs th, table.runs td { padding: 8px 12px; text-align: left; border-top: 1px solid var(--line);
  vertical-align: top; }
table.runs th { border-top: 0; font-size: 12px; color: var(--muted); font-weight: 600; background: var(--card); }
table.runs .commit { max-width: 360px; }
table.runs .subject { overflow-wrap: anywhere; }
.sha { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.tag { font-weight: 600; }
.duration { white-space: nowrap; font-variant-numeric: tabular-nums; }
.crumbs { margin: 0 0 4px; color: var(--muted); }
h1 .state { font-size: 14px; font-weight: 400; margin-left: 8px; vertical-align: middle; }
.run-meta { margin: 0 0 16px; color: var(--muted); }
.run-meta .subject { color: var(--fg); font-weight: 600; }
h2 { font-size: 16px; margin: 0 0 8px; }
section.problems { border: 1px solid #cf222e; border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; }
section.problems ul { margin: 0; padding-left: 18px; }
section.problems .where { font-weight: 600; }
figure.source { margin: 0 0 12px; }
figure.source figcaption { margin: 0 0 4px; }
figure.source ol { margin: 0; padding: 6px 0 6px 5ch; background: var(--card); border-radius: 6px; overflow-x: auto;
  font: 13px/20px ui-monospace, "DejaVu Sans Mono", monospace; }
figure.source li { white-space: pre; padding-left: 1ch; }
figure.source li::marker { color: var(--muted); }
figure.source li.problem { background: rgba(207, 34, 46, 0.12); }
figure.source li.annotation, figure.source li.gap { list-style: none; color: #cf222e; }
figure.source li.gap { color: var(--muted); }
@media (prefers-color-scheme: dark) { figure.source li.annotation { color: #ff7b72; } }
.graph-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; margin: 0 0 16px;
  background: var(--card); }
svg.graph { display: block; }
svg.graph .edge { fill: none; stroke: var(--muted); stroke-width: 1.5; }
svg.graph .node rect { fill: var(--bg); stroke: var(--line); }
svg.graph .node:hover rect, svg.graph .node:focus rect { stroke: var(--link); }
svg.graph .node .name { fill: var(--fg); font-size: 13px; font-weight: 600; }
svg.graph .node .note { fill: var(--muted); font-size: 12px; }
svg.graph .node.group rect { stroke-dasharray: 4 3; }
svg.graph .node .count { fill: var(--muted); font-weight: 400; }
svg.graph .variant circle { stroke: var(--bg); stroke-width: 1.5; }
svg.graph .variant:hover circle, svg.graph .variant:focus circle { stroke: var(--link); stroke-width: 2.5; }
svg.graph .node[data-state="failure"] rect { stroke: #cf222e; }
table.jobs { width: 100%; border-collapse: collapse; }
table.jobs th, table.jobs td { padding: 8px 12px; text-align: left; border-top: 1px solid var(--line); vertical-align: top; }
table.jobs th { border-top: 0; font-size: 12px; color: var(--muted); font-weight: 600; background: var(--card); }
table.jobs .detail > span { display: block; overflow-wrap: anywhere; }
table.jobs .error { color: #cf222e; }
@media (prefers-color-scheme: dark) { table.jobs .error { color: #ff7b72; } }
table.jobs .pending { color: var(--muted); }
ol.steps { list-style: none; margin: 0 0 12px; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
.job-error { color: #cf222e; }
.artifacts { margin: 0 0 12px; }
.artifacts ul { margin: 4px 0 0; padding-left: 20px; }
.log-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 0 0 8px; }
.log-tools button { font: inherit; color: inherit; background: var(--card); border: 1px solid var(--line);
  border-radius: 6px; padding: 2px 10px; cursor: pointer; }
.log { max-height: 70vh; min-height: 120px; overflow: auto; background: #0d1117; color: #e6edf3;
  border: 1px solid var(--line); border-radius: 8px; font: 13px/20px ui-monospace, "DejaVu Sans Mono", monospace; }
.log-space { position: relative; min-width: max-content; }
.log-rows { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
.log-row { height: 20px; white-space: pre; padding-right: 12px; }
.log-row.hl { background: rgba(210, 153, 34, 0.25); }
.log-row .ln { display: inline-block; width: 7ch; padding-right: 1ch; text-align: right; color: #6e7681;
  user-select: none; }
.log-row .ts { color: #8b949e; padding-right: 1ch; }
.log-row.stderr .text { color: #ffa198; }
.log-row.empty { color: #8b949e; padding-left: 1ch; font-style: italic; }
.log-row.loading .text::after { content: "…"; color: #6e7681; }
.log-row.gone .text::after { content: "(line not stored)"; color: #6e7681; font-style: italic; }
.log-row.match { background: rgba(56, 139, 253, 0.18); }
.log-row.match-current { background: rgba(56, 139, 253, 0.45); }
.log.wrap .log-space { min-width: 0; overflow: hidden; }
.log.wrap .log-row { display: flex; height: auto; min-height: 20px; white-space: pre-wrap; }
.log.wrap .log-row .ln, .log.wrap .log-row .ts { flex: none; }
.log.wrap .log-row .text { flex: 1; min-width: 0; overflow-wrap: anywhere; }
.log-search { display: inline-flex; align-items: center; gap: 4px; }
.log-search input { font: inherit; color: inherit; background: var(--card); border: 1px solid var(--line);
  border-radius: 6px; padding: 2px 8px; width: 14em; max-width: 50vw; }
.step-row button { font: inherit; font-weight: 700; color: #e6edf3; background: none; border: 0;
  padding: 0 0 0 1ch; cursor: pointer; }
.ansi-black-fg { color: #484f58; } .ansi-red-fg { color: #ff7b72; } .ansi-green-fg { color: #3fb950; }
.ansi-yellow-fg { color: #d29922; } .ansi-blue-fg { color: #58a6ff; } .ansi-magenta-fg { color: #bc8cff; }
.ansi-cyan-fg { color: #39c5cf; } .ansi-white-fg { color: #b1bac4; }
.ansi-bright-black-fg { color: #6e7681; } .ansi-bright-red-fg { color: #ffa198; }
.ansi-bright-green-fg { color: #56d364; } .ansi-bright-yellow-fg { color: #e3b341; }
.ansi-bright-blue-fg { color: #79c0ff; } .ansi-bright-magenta-fg { color: #d2a8ff; }
.ansi-bright-cyan-fg { color: #56d4dd; } .ansi-bright-white-fg { color: #ffffff; }
.ansi-black-bg { background: #484f58; } .ansi-red-bg { background: #ff7b72; } .ansi-green-bg { background: #3fb950; }
.ansi-yellow-bg { background: #d29922; } .ansi-blue-bg { background: #58a6ff; } .ansi-magenta-bg { background: #bc8cff; }
.ansi-cyan-bg { background: #39c5cf; } .ansi-white-bg { background: #b1bac4; }
nav.pager { display: flex; justify-content: space-between; margin-top: 12px; }
nav.pager a[rel="next"] { margin-left: auto; }
.sparkline .baseline { stroke: var(--line); stroke-width: 1; }
@media (max-width: 600px) {
  main { padding: 12px; }
  ul.repos li { grid-template-columns: 1fr auto; grid-template-areas: "main state" "spark spark"; }
  ul.repos .sparkline { justify-self: start; }
  /* Runs as cards: state, number and duration; the commit; branch and start. */
  table.runs thead { display: none; }
  table.runs tr { display: grid; grid-template-columns: auto 1fr auto;
    grid-template-areas: "state run duration" "commit commit commit" "ref started started";
    gap: 2px 12px; padding: 10px 12px; border-top: 1px solid var(--line); }
  table.runs tbody tr:first-child { border-top: 0; }
  table.runs td { padding: 0; border: 0; }
  table.runs td:nth-child(1) { grid-area: state; }
  table.runs td:nth-child(2) { grid-area: run; }
  table.runs td:nth-child(3) { grid-area: ref; color: var(--muted); }
  table.runs td:nth-child(4) { grid-area: commit; max-width: none; }
  table.runs td:nth-child(5), table.runs td:nth-child(6) { display: none; }
  table.runs td:nth-child(7) { grid-area: started; justify-self: end; color: var(--muted); }
  table.runs td:nth-child(8) { grid-area: duration; }
}
${Object.entries(STATE_COLOURS)
  .map(([state, colour]) => `.state[data-state="${state}"] { --state: ${colour}; }`)
  .join('\n')}
`;
