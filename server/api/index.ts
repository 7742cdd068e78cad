/**
 * server/api — the JSON API's routes, each area a Hono app the server mounts (logs: under
 * `/api/jobs`).
 */
export { apiLine, type LogRouteDeps, logRoutes } from './logs.js';
