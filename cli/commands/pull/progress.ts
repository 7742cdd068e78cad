import type { PullProgress } from '../../../runner/oci/index.js';
import { formatBytes } from '../../output.js';

interface Row {
  p: PullProgress;
  started: number;
  finished?: number;
}

/**
 * Renders pull progress, one line per blob: bytes, rate, done/cached. On a TTY the block is
 * redrawn in place (at most 10 times a second); otherwise a plain line is printed when each
 * blob finishes or is found cached.
 */
export function pullProgressPrinter(out: NodeJS.WriteStream = process.stdout) {
  const rows = new Map<string, Row>();
  let drawn = 0;
  let lastDraw = 0;
  const line = ({ p, started, finished }: Row) => {
    const id = p.digest.slice(7, 19);
    if (p.state === 'cached') return `${id} ${p.kind}: cached (${formatBytes(p.total)})`;
    const secs = Math.max(((finished ?? Date.now()) - started) / 1000, 0.001);
    const rate = `${formatBytes(p.bytes / secs)}/s`;
    if (p.state === 'done')
      return `${id} ${p.kind}: done ${formatBytes(p.total)} in ${secs.toFixed(1)}s (${rate})`;
    return `${id} ${p.kind}: ${formatBytes(p.bytes)} / ${formatBytes(p.total)} ${rate}`;
  };
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    if (drawn) out.write(`\x1b[${drawn}A`);
    for (const row of rows.values()) out.write(`\x1b[2K${line(row)}\n`);
    drawn = rows.size;
  };
  return {
    update(p: PullProgress) {
      const row = rows.get(p.digest) ?? { p, started: Date.now() };
      row.p = p;
      rows.set(p.digest, row);
      const finished = p.state === 'done' || p.state === 'cached';
      if (finished) row.finished = Date.now();
      if (out.isTTY) draw(finished);
      else if (finished) out.write(`${line(row)}\n`);
    },
    finish() {
      if (out.isTTY) draw(true);
    },
  };
}
