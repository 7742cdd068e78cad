import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { terminalReporter } from '../../cli/local/terminal-reporter.js';
import type { JobResult, JobSpec } from '../../pipelines/index.js';
import { makeEvent, parsePipeline, planRun } from '../../pipelines/index.js';
import type { WorkspaceSource } from '../../runner/executor/index.js';
import { type ExecutorDeps, executeJob } from '../../runner/executor/index.js';
import { openRunnerHost } from '../../runner/host.js';
import { gcRuntime, type UsernsMapping } from '../../runner/runtime/index.js';
import { requireBinary, requireRoot } from './requirements.js';
import { runtimeLeftovers } from './runtime-leftovers.js';
import { seedStore } from './seed-store.js';
import { tempDir, uniqueName } from './tmp.js';

export interface ExecutorFixture {
  /** The runner data dir (busybox:latest in its store); filled in by the suite's before hook. */
  dataDir: string;
  deps: ExecutorDeps;
  /** The JobSpecs of pipeline `yaml` planned for a push to main, by job name. Throws on errors. */
  plan(yaml: string): Map<string, JobSpec>;
  /**
   * Runs one job through executeJob (default source: an empty directory) with the terminal
   * reporter `slipway exec` uses; `out` is what it printed (no colours).
   */
  run(
    spec: JobSpec,
    source?: WorkspaceSource,
    signal?: AbortSignal,
  ): Promise<{ result: JobResult; out: string }>;
}

/**
 * Call inside a describe: an executor on runc (or `opts.binary`, with `opts.userns`) over a
 * private data dir seeded with busybox. After the suite it checks that no container, mount or
 * cgroup of the data dir is left (then GCs).
 */
export function useExecutorFixture(
  opts: { binary?: 'runc' | 'crun'; userns?: UsernsMapping } = {},
): ExecutorFixture {
  const binary = opts.binary ?? 'runc';
  const f: ExecutorFixture = {
    dataDir: '',
    deps: undefined as unknown as ExecutorDeps,
    plan(yaml) {
      const parsed = parsePipeline(yaml, '.slipway.yml');
      if (!parsed.ok)
        throw new Error(parsed.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
      const planned = planRun(parsed, makeEvent({ run: { id: uniqueName('run'), number: 1 } }));
      if (!planned.ok) throw new Error(planned.errors.map((e) => e.message).join('\n'));
      return new Map(planned.plan.jobs.map((j) => [j.name, j.spec]));
    },
    async run(spec, source, signal) {
      let out = '';
      const stream = {
        isTTY: false,
        write(text: string) {
          out += text;
          return true;
        },
      } as unknown as NodeJS.WriteStream;
      const src = source ?? { kind: 'dir' as const, path: await tempDir('exec-src') };
      const result = await executeJob(spec, src, f.deps, terminalReporter(stream), signal);
      return { result, out };
    },
  };
  before(async () => {
    requireRoot();
    requireBinary(binary, binary);
    requireBinary('ip', 'iproute2');
    f.dataDir = await tempDir('exec-data');
    await seedStore(f.dataDir, 'busybox', ['busybox:latest']);
    const host = await openRunnerHost({
      dataDir: f.dataDir,
      runtime: { binary, ...(opts.userns ? { userns: opts.userns } : {}) },
    });
    f.deps = { host, runtime: await host.runtime() };
  });
  after(async () => {
    if (!f.dataDir) return;
    const left = await runtimeLeftovers(f.dataDir, binary);
    await gcRuntime(f.dataDir);
    assert.deepEqual(left, { containers: [], mounts: [], cgroups: [] }, 'nothing left after the jobs');
  });
  return f;
}
