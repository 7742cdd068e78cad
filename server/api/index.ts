/**
 * The JSON API, one file per noun, and what every route shares: the `{error, message}` error
 * shape and its handlers, zod-checked input, API-token auth and read access to repositories.
 */
export { type ArtifactRouteDeps, artifactRoutes, artifactUrl } from './artifacts.js';
export {
  type ApiEnv,
  type AuthDeps,
  bearerToken,
  cookieToken,
  optionalToken,
  readAccess,
  requireToken,
  TOKEN_COOKIE,
} from './auth.js';
export {
  ApiError,
  errorResponse,
  jsonBody,
  MAX_JSON_BYTES,
  onApiError,
  onApiNotFound,
  queryOf,
  validate,
} from './errors.js';
export { type HookDeps, hookRoutes } from './hooks.js';
export { type JobSecretsDeps, jobSecretRoutes } from './job-secrets.js';
export { jobRoutes } from './jobs.js';
export { apiLine, type LogRouteDeps } from './log-deps.js';
export { logRoutes } from './logs.js';
export { repoRunRoutes, TriggerBodySchema } from './repo-runs.js';
export { fullNameOf, repoRoutes } from './repos.js';
export { jobView, runSummary, runView } from './run-views.js';
export { runnerRoutes, runnerView } from './runners.js';
export { findRun, runRoutes } from './runs.js';
export { tokenRoutes } from './tokens.js';
