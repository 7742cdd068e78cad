import { readFile } from 'node:fs/promises';

/**
 * CPU seconds of process `pid` itself (`self`: user + system) and of its reaped children
 * (`children`: a runner's runc, git, CNI plugins, mkfs, a step's processes), from /proc.
 */
export async function cpuSeconds(pid: number | undefined): Promise<{ self: number; children: number }> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = (i: number, j: number) => (Number(f[i] ?? 0) + Number(f[j] ?? 0)) / 100;
  return { self: ticks(11, 12), children: ticks(13, 14) };
}
