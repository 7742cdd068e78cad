// Per-job cost of a job's disk (runner/runtime/job-disk.ts): prepareJob + one `true` step +
// destroyJob without a disk vs with the default 10 GiB disk (sparse image, mkfs.ext4, loop
// mount; the step's upper dir on it). Rounds interleave both so load drift hits them alike.
// --bridge gives each job a network as the executor does (the disk is made beside it).
// Usage (as root): npx tsx bench/job-disk.ts [--jobs 20] [--bridge]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_JOB_DISK_BYTES, gcRuntime, MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { baseRootfs } from '../test/helpers/base-images.js';

const jobs = Number(process.argv[process.argv.indexOf('--jobs') + 1]) || 20;
const WARMUP = 2;
const network = process.argv.includes('--bridge') ? 'bridge' : 'none';

const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-disk-'));
const dataDir = join(dir, 'data');
const rootfs = await baseRootfs('busybox');
const rt = createRuntime({ dataDir });
const times = { plain: [] as number[], disk: [] as number[] };
try {
  for (let i = 0; i < WARMUP + jobs; i++) {
    for (const kind of ['plain', 'disk'] as const) {
      const t = performance.now();
      const job = await rt.prepareJob({
        id: `bench-${kind}-${i}`,
        network,
        ...(kind === 'disk' ? { diskBytes: DEFAULT_JOB_DISK_BYTES } : {}),
      });
      const r = await rt.run(
        job,
        { name: 'step', lowerDirs: [rootfs], args: ['true'] },
        { sink: new MemoryLogSink() },
      );
      await rt.destroyJob(job);
      if (r.exitCode !== 0) throw new Error(`step failed: ${JSON.stringify(r)}`);
      if (i >= WARMUP) times[kind].push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const plain = median(times.plain);
  const disk = median(times.disk);
  console.log(`job without a disk (prepare, one step, destroy)  ${network} median ${plain.toFixed(1)} ms`);
  console.log(`job with a 10 GiB disk                            ${network} median ${disk.toFixed(1)} ms`);
  console.log(
    `cost of the job disk per job                      ${(disk - plain).toFixed(1)} ms (${jobs} jobs each)`,
  );
} finally {
  await gcRuntime(dataDir);
  await rm(dir, { recursive: true, force: true });
}
