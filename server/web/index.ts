export { TOKEN_COOKIE } from '../api/index.js';
export { badgeSvg } from './badge.js';
export { type WebDeps, webRoutes } from './routes.js';
export { csrfFor } from './session.js';
