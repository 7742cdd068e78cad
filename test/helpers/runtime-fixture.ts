import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { ContainerSpec, JobHandle, RunResult, Runtime } from '../../runner/runtime/index.js';
import { gcRuntime, MemoryLogSink } from '../../runner/runtime/index.js';
import { createRuntime } from '../../runner/runtime/oci-runtime.js';
import { requireBinary, requireRoot } from './requirements.js';
import { runtimeLeftovers } from './runtime-leftovers.js';
import { makeBusyboxLayers } from './runtime-rootfs.js';
import { uniqueName } from './tmp.js';

export interface RuntimeFixture {
  binary: 'runc' | 'crun';
  rt: Runtime;
  dataDir: string;
  /** The busybox layer dirs, bottom first. */
  layers: string[];
  /** A fresh job (network none), destroyed after the suite at the latest. */
  job(): Promise<JobHandle>;
  spec(name: string, script: string, extra?: Partial<ContainerSpec>): ContainerSpec;
  /** Runs `script` as a step named `step` (in `job` or a fresh one) with a 60 s safety timeout. */
  runScript(
    script: string,
    extra?: Partial<ContainerSpec>,
    job?: JobHandle,
  ): Promise<{ result: RunResult; out: string; err: string; sink: MemoryLogSink }>;
}

/**
 * Call inside a describe: a Runtime on `binary` over a private data dir and busybox layers,
 * checked after the suite to have left no container, mount or cgroup behind (then removed).
 * Fields are filled in by the suite's before hook.
 */
export function useRuntimeFixture(binary: 'runc' | 'crun'): RuntimeFixture {
  let dir = '';
  const jobs: JobHandle[] = [];
  const f: RuntimeFixture = {
    binary,
    rt: undefined as unknown as Runtime,
    dataDir: '',
    layers: [],
    job: async () => {
      const j = await f.rt.prepareJob({ id: uniqueName('job'), network: 'none' });
      jobs.push(j);
      return j;
    },
    spec: (name, script, extra = {}) => ({ name, lowerDirs: f.layers, script, ...extra }),
    runScript: async (script, extra = {}, job) => {
      const sink = new MemoryLogSink();
      const result = await f.rt.run(job ?? (await f.job()), f.spec('step', script, extra), {
        sink,
        timeoutMs: 60_000,
      });
      return { result, out: sink.text('stdout'), err: sink.text('stderr'), sink };
    },
  };
  before(async () => {
    requireRoot();
    requireBinary(binary, binary);
    dir = await mkdtemp(join(tmpdir(), `slipway-rt-${binary}-`));
    f.dataDir = join(dir, 'data');
    f.layers = await makeBusyboxLayers(join(dir, 'layers'));
    f.rt = createRuntime({ dataDir: f.dataDir, binary });
  });
  after(async () => {
    if (!dir) return;
    for (const job of jobs) await f.rt.destroyJob(job);
    const leftovers = await runtimeLeftovers(f.dataDir, binary);
    await gcRuntime(f.dataDir);
    if (leftovers.mounts.length === 0) await rm(dir, { recursive: true, force: true });
    assert.deepEqual(leftovers, { containers: [], mounts: [], cgroups: [] }, 'nothing left after the suite');
  });
  return f;
}
