// The Runtime as a step-overhead contender: one prepared job, `true` steps in turn, each its own
// container. Shared by bench/step-overhead and bench/latency (its per-step figure).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcRuntime, MemoryLogSink } from '../../runner/runtime/index.js';
import { createRuntime } from '../../runner/runtime/oci-runtime.js';
import { baseRootfs } from '../../test/helpers/base-images.js';
import { median } from './timing.js';

/** The --userns default range (runner/runtime/userns.ts). */
const USERNS = { hostId: 100000, size: 65536 };

export interface Contender {
  label: string;
  once: (i: number) => Promise<unknown>;
  times: number[];
}

/** A Runtime on its own data dir under `dir`, with one job prepared; `close()` destroys it. */
export async function runtimeContender(
  binary: string,
  dir: string,
  rootfs: string,
  compatSyscalls = false,
  diskBytes?: number,
  extra: { userns?: boolean; network?: 'bridge' } = {},
): Promise<Contender & { close(): Promise<void> }> {
  const tags = [
    ...(compatSyscalls ? ['compat syscalls'] : []),
    ...(diskBytes ? ['job disk'] : []),
    ...(extra.network ? ['bridge'] : []),
    ...(extra.userns ? ['userns'] : []),
  ];
  const dataDir = join(dir, `data-${[binary, ...tags].join('-').replace(/ /g, '')}`);
  const rt = createRuntime({ dataDir, binary, compatSyscalls, ...(extra.userns ? { userns: USERNS } : {}) });
  const job = await rt.prepareJob({
    id: `bench${tags.length}`,
    network: extra.network ?? 'none',
    ...(diskBytes ? { diskBytes } : {}),
  });
  return {
    label: `Runtime (${[binary, ...tags].join(', ')})`,
    times: [],
    once: async (i) => {
      const r = await rt.run(
        job,
        { name: `step-${i}`, lowerDirs: [rootfs], args: ['true'] },
        { sink: new MemoryLogSink() },
      );
      if (r.exitCode !== 0) throw new Error(`step failed: ${JSON.stringify(r)}`);
    },
    close: async () => {
      await rt.destroyJob(job);
      await gcRuntime(dataDir);
    },
  };
}

/** Median ms of `steps` `true` steps through a Runtime on `binary` over busybox (after 3 warm-up steps). */
export async function runtimeStepMedian(steps: number, binary: 'runc' | 'crun' = 'runc'): Promise<number> {
  return median(await runtimeStepTimes(steps, binary));
}

/** The ms each of `steps` `true` steps took through a Runtime on `binary` over busybox (after 3 warm-up steps). */
export async function runtimeStepTimes(steps: number, binary: 'runc' | 'crun' = 'runc'): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-rt-'));
  const c = await runtimeContender(binary, dir, await baseRootfs('busybox'));
  try {
    for (let i = 0; i < steps + 3; i++) {
      const t = performance.now();
      await c.once(i);
      if (i >= 3) c.times.push(performance.now() - t);
    }
    return c.times;
  } finally {
    await c.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The Runtime's slot time per step at `concurrency` (the throughput bench's four slots on this
 * host's cores): that many contenders, each on its own data dir and job, run `steps` `true`
 * steps each at once; wall time × concurrency / steps. What a step costs a slot when the host is
 * as loaded as the system under test, with none of the system's own work.
 */
export async function runtimeSlotMs(concurrency: number, steps: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-rt-'));
  const rootfs = await baseRootfs('busybox');
  const contenders = await Promise.all(
    Array.from({ length: concurrency }, (_, i) => runtimeContender('runc', join(dir, String(i)), rootfs)),
  );
  try {
    for (const c of contenders) for (let i = 0; i < 3; i++) await c.once(i);
    const t = performance.now();
    await Promise.all(
      contenders.map(async (c) => {
        for (let i = 3; i < steps + 3; i++) await c.once(i);
      }),
    );
    return (performance.now() - t) / steps; // slot time: wall × concurrency over steps × concurrency
  } finally {
    for (const c of contenders) await c.close();
    await rm(dir, { recursive: true, force: true });
  }
}
