import { readdir, readFile } from 'node:fs/promises';

/** user+system seconds of `pid` itself (utime, stime) and of its reaped children (cutime, cstime). */
async function stat(pid: number): Promise<{ self: number; children: number }> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const ticks = (i: number, j: number) => (Number(f[i] ?? 0) + Number(f[j] ?? 0)) / 100;
  return { self: ticks(11, 12), children: ticks(13, 14) };
}

/** The live children of `pid` whose command is `comm`. */
async function liveChildren(pid: number, comm: string): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const kids = await Promise.all(
    tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')),
  );
  const pids = kids.join(' ').split(' ').filter(Boolean).map(Number);
  const comms = await Promise.all(pids.map((p) => readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')));
  return pids.filter((_, i) => comms[i]?.trim() === comm);
}

/**
 * CPU seconds of process `pid` itself (`self`: user + system) and of its children (`children`:
 * a runner's runc, git, CNI plugins, mkfs, a step's processes), from /proc. The commands its
 * spawn helper (lib/host-spawn, a live `perl` child) started count as its children, with the
 * helper's own CPU.
 */
export async function cpuSeconds(pid: number | undefined): Promise<{ self: number; children: number }> {
  if (pid === undefined) return { self: 0, children: 0 };
  const own = await stat(pid);
  for (const helper of await liveChildren(pid, 'perl')) {
    const h = await stat(helper).catch(() => ({ self: 0, children: 0 }));
    own.children += h.self + h.children;
  }
  return own;
}
