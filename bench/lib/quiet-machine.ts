// Waiting for a quiet machine before a timed round: on a shared host other work skews the
// figures. "Busy" is the share of non-idle CPU time over a short window, from /proc/stat
// (immediate, unlike the 1-minute load average).
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share (0..1) of CPU time spent busy, machine-wide, over the next `windowMs`. */
export async function cpuBusy(windowMs = 1000): Promise<number> {
  const a = await cpuTimes();
  await sleep(windowMs);
  const b = await cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/**
 * Waits (up to `maxWaitMs`) until the machine is less than `maxBusy` busy over one window.
 * Returns the last busy share seen and whether it was quiet; never throws.
 */
export async function waitForQuiet(
  opts: { maxBusy?: number; maxWaitMs?: number; windowMs?: number } = {},
): Promise<{ busy: number; quiet: boolean; waitedMs: number }> {
  const { maxBusy = 0.2, maxWaitMs = 120_000, windowMs = 1000 } = opts;
  const started = Date.now();
  for (;;) {
    const busy = await cpuBusy(windowMs);
    const waitedMs = Date.now() - started;
    if (busy < maxBusy) return { busy, quiet: true, waitedMs };
    if (waitedMs >= maxWaitMs) return { busy, quiet: false, waitedMs };
    await sleep(2000);
  }
}

/** `load 0.42 0.80 1.10` (1, 5 and 15 minutes). */
export function loadLine(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}
