import { html } from 'hono/html';
import type { RunRecord } from '../store/index.js';
import { STATE_COLOURS } from './states.js';
import { formatDuration, runDuration } from './time.js';

const WIDTH = 120;
const HEIGHT = 24;

/**
 * The durations of `runs` (newest first, as listRuns gives them) as a small SVG bar chart over a
 * baseline, the newest at the right edge, each bar in its run's colour with its number and
 * duration as a tooltip. Runs that never started are left out; none at all gives an empty chart.
 */
export function durationSparkline(runs: readonly RunRecord[], now: number) {
  const bars = runs
    .map((run) => ({ run, ms: runDuration(run, now) }))
    .filter((b): b is { run: RunRecord; ms: number } => b.ms !== undefined)
    .reverse();
  const longest = Math.max(1, ...bars.map((b) => b.ms));
  const step = WIDTH / 30;
  const rects = bars.map(({ run, ms }, i) => {
    const h = Math.max(2, Math.round((ms / longest) * (HEIGHT - 3)));
    const x = WIDTH - (bars.length - i) * step;
    return html`<rect x="${x.toFixed(1)}" y="${HEIGHT - 1 - h}" width="${(step - 1).toFixed(1)}" height="${h}" fill="${STATE_COLOURS[run.status]}"><title>#${run.number} ${run.status}, ${formatDuration(ms)}</title></rect>`;
  });
  return html`<svg class="sparkline" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="durations of the last ${bars.length} runs"><line class="baseline" x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}"/>${rects}</svg>`;
}
