import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../server/app.js';
import type { RunsDeps } from '../../server/runs/index.js';
import { startRuns } from '../../server/runs/index.js';
import {
  createApiToken,
  createRun,
  getRun,
  type JobState,
  type LogArchive,
  memoryLogArchive,
  newRunId,
  nextRunNumber,
  type Repo,
  type RunRecord,
  type RunStatus,
  updateJob,
  updateRun,
} from '../../server/store/index.js';
import { onCleanup } from './cleanup.js';
import { testGitRepo } from './git-repo.js';
import { testRunsDeps } from './runs-deps.js';

/**
 * The server's HTTP app over a private Redis and an in-memory log archive, listening on a free
 * loopback port until the file ends. `dropConnections()` cuts every open connection (a live log's SSE among them), as a
 * network failure or a restarted server would.
 */
export async function startWebServer(): Promise<{
  url: string;
  deps: RunsDeps;
  archive: LogArchive;
  dropConnections(): void;
}> {
  const deps = await testRunsDeps();
  const archive = memoryLogArchive();
  const app = createApp({ ...deps, archive });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
    archive,
    dropConnections: () => (server as import('node:http').Server).closeAllConnections(),
  };
}

/** A run as a page shows it, stored directly: `status`, on `branch`, that took `durationMs`. */
export async function seedRun(
  deps: RunsDeps,
  repo: string,
  opts: { status: RunStatus; branch?: string; durationMs?: number; message?: string; agoMs?: number },
): Promise<RunRecord> {
  const run = await createRun(deps.redis, {
    id: newRunId(),
    repo,
    number: await nextRunNumber(deps.redis, repo),
    pipeline: 'ci',
    file: '.slipway.yml',
    status: opts.status === 'error' ? 'error' : 'pending',
    trigger: {
      kind: 'push',
      branch: opts.branch ?? 'main',
      commit: {
        sha: randomBytes(20).toString('hex'),
        message: opts.message ?? 'Fix the build',
        author: 'Ada',
      },
      fromFork: false,
    },
    problems: [],
    jobs: [],
  });
  const startedAt = Date.now() - (opts.agoMs ?? 60_000);
  const final = !['pending', 'running'].includes(opts.status);
  await updateRun(deps.redis, run.id, (r) => ({
    ...r,
    status: opts.status,
    createdAt: startedAt,
    ...(opts.status !== 'pending' ? { startedAt } : {}),
    ...(final ? { finishedAt: startedAt + (opts.durationMs ?? 30_000) } : {}),
  }));
  return run;
}

/** A new API token (its holder: `name`). */
export function seedToken(deps: RunsDeps, name = 'viewer'): Promise<string> {
  return createApiToken(deps.redis, name);
}

/**
 * A public repository whose only commit holds `pipeline` as .slipway.yml, and the run a push
 * of that commit to main started (through the server's real orchestration).
 */
export async function pushedRun(deps: RunsDeps, pipeline: string): Promise<{ repo: Repo; run: RunRecord }> {
  const source = await testGitRepo({ '.slipway.yml': pipeline });
  const { repo } = await deps.repos.add({
    fullName: `acme/r${randomBytes(4).toString('hex')}`,
    forge: 'github',
    cloneUrl: source.dir,
    public: true,
  });
  const [run] = await startRuns(deps, repo, {
    event: {
      kind: 'push',
      branch: 'main',
      repo: { name: repo.fullName, url: 'https://example.invalid/not-used.git' },
      commit: { sha: source.sha, message: 'Ship the graph view', author: 'Ada <ada@example.com>' },
    },
    fromFork: false,
  });
  if (!run) throw new Error('the push started no run');
  return { repo, run };
}

/** The one job of a pushed run with steps compile and test (no runner takes it: a test plays the runner). */
export async function pushedJob(deps: RunsDeps): Promise<string> {
  const { run } = await pushedRun(
    deps,
    'jobs:\n  build:\n    image: busybox\n    steps:\n      - name: compile\n        run: make\n      - name: test\n        run: make test\n',
  );
  const id = (await getRun(deps.redis, run.id))?.jobs[0];
  if (!id) throw new Error('the pushed run has no job');
  return id;
}

/** Records job `id` as `state`, its steps as `steps` (in order; the rest as they were), as a runner would. */
export function setJobState(deps: RunsDeps, id: string, state: JobState, steps: JobState[] = []) {
  return updateJob(deps.redis, id, (j) => ({
    ...j,
    state,
    ...(state === 'running' ? { startedAt: Date.now() } : {}),
    ...(['success', 'failure'].includes(state) ? { finishedAt: Date.now() } : {}),
    steps: j.steps.map((s, i) => ({ ...s, status: (steps[i] ?? s.status) as typeof s.status })),
  }));
}
