/**
 * Webhooks: one handler per forge endpoint (githubWebhook; gitlabWebhook; giteaWebhook for Gitea
 * and Forgejo) turns a delivery (headers + raw body) into a run event, an ignored delivery or a rejection.
 * Pure apart from logging; the HTTP route and the redelivery check live elsewhere.
 */
export {
  MAX_BODY_BYTES,
  type WebhookEvent,
  WebhookEventSchema,
  type WebhookHandler,
  type WebhookOutcome,
  WebhookOutcomeSchema,
} from './event.js';
export { giteaWebhook } from './gitea.js';
export { githubWebhook } from './github.js';
export { gitlabWebhook } from './gitlab.js';
