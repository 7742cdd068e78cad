import { type Context, Hono } from 'hono';
import {
  artifactRoutes,
  bearerToken,
  cookieToken,
  hookRoutes,
  jobRoutes,
  jobSecretRoutes,
  logRoutes,
  onApiError,
  onApiNotFound,
  repoRoutes,
  repoRunRoutes,
  runnerRoutes,
  runRoutes,
  tokenRoutes,
} from './api/index.js';
import { type RunsDeps, startRuns, webhookRunRequest } from './runs/index.js';
import {
  type ArtifactFiles,
  getJob,
  getRun,
  type JobRecord,
  type LogArchive,
  verifyApiToken,
} from './store/index.js';
import { webRoutes } from './web/index.js';

/** What the HTTP side of a server is built from; the caller (server/main.ts, tests) owns it all. */
export interface AppDeps extends RunsDeps {
  archive: LogArchive;
  /** Local copies of the artifacts runners uploaded (absent: the server has no `--artifact-registry`). */
  artifactFiles?: ArtifactFiles;
}

/**
 * The server's HTTP face: `/hooks/*` (forge webhooks), `/api/*` (the JSON API with live logs),
 * the web pages (`/`, `/badge/*`, `/assets/*`; server/web) and `/healthz`. Every API error is
 * `{error, message}` with its status. Holds no state of its own: any number of servers can
 * serve the same Redis.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError(onApiError);
  app.notFound(onApiNotFound);
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route(
    '/hooks',
    hookRoutes({
      redis: deps.redis,
      repos: deps.repos,
      start: (repo, outcome) => startRuns(deps, repo, webhookRunRequest(outcome)),
    }),
  );
  app.route('/api/repos', repoRoutes(deps));
  app.route('/api/repos', repoRunRoutes(deps));
  app.route('/api/runs', runRoutes(deps));
  app.route('/api/runners', runnerRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  const job = (id: string) => getJob(deps.redis, id);
  app.route('/api/jobs', jobSecretRoutes({ ...deps, job, run: (id) => getRun(deps.redis, id) }));
  app.route('/api/jobs', jobRoutes(deps));
  app.route('/api/jobs', artifactRoutes(deps));
  app.route(
    '/api/jobs',
    logRoutes({ redis: deps.redis, archive: deps.archive, job, canRead: canReadJob(deps) }),
  );
  app.route('/', webRoutes(deps));
  return app;
}

/** A job's log is readable by anyone when its repository is public, else with a valid API token (header, or the pages' cookie). */
function canReadJob(deps: AppDeps): (c: Context, job: JobRecord) => Promise<boolean> {
  return async (c, job) => {
    const token = bearerToken(c) ?? cookieToken(c);
    if (token !== undefined && (await verifyApiToken(deps.redis, token))) return true;
    const run = await getRun(deps.redis, job.runId);
    const repo = run ? await deps.repos.get(run.repo) : undefined;
    return repo?.public === true;
  };
}
