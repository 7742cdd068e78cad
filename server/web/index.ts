export { badgeSvg } from './badge.js';
export { type WebDeps, webRoutes } from './routes.js';
export { csrfFor } from './session.js';
export { TOKEN_COOKIE } from './viewer.js';
