import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../server/app.js';
import type { RunsDeps } from '../../server/runs/index.js';
import { startRuns } from '../../server/runs/index.js';
import {
  createApiToken,
  createRun,
  memoryLogArchive,
  newRunId,
  nextRunNumber,
  type Repo,
  type RunRecord,
  type RunStatus,
  updateRun,
} from '../../server/store/index.js';
import { onCleanup } from './cleanup.js';
import { testGitRepo } from './git-repo.js';
import { testRunsDeps } from './runs-deps.js';

/**
 * The server's HTTP app over a private Redis, listening on a free loopback port until the file
 * ends. `dropConnections()` cuts every open connection (a live log's SSE among them), as a
 * network failure or a restarted server would.
 */
export async function startWebServer(): Promise<{ url: string; deps: RunsDeps; dropConnections(): void }> {
  const deps = await testRunsDeps();
  const app = createApp({ ...deps, archive: memoryLogArchive() });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
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
