/** Small timing helpers shared by the benchmarks: medians of repeated runs and a ratio line. */

export interface Sample {
  label: string;
  runsMs: number[];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Times `fn` once, in milliseconds (setup belongs outside `fn`). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One line per sample: median and every run, e.g. `slipway pull   median 1.23 s  [1.2 s, …]`. */
export function formatSample(s: Sample, mbytes?: number): string {
  const m = median(s.runsMs);
  const rate = mbytes ? `  ${(mbytes / (m / 1000)).toFixed(0).padStart(4)} MB/s` : '';
  return `${s.label.padEnd(28)} median ${fmt(m).padStart(8)}${rate}   runs: ${s.runsMs.map(fmt).join(', ')}`;
}

/** `label  ratio 0.83 (a/b)`: below 1.0 means `ours` was faster. */
export function formatRatio(label: string, ours: Sample, peer: Sample): string {
  return `${label.padEnd(28)} ratio ${(median(ours.runsMs) / median(peer.runsMs)).toFixed(2)}  (${ours.label} / ${peer.label})`;
}
