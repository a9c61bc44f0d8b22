export { createWebhookClient } from './client.ts';
export type { WebhookClient, WebhookClientOptions, AttemptResult, Resolver } from './client.ts';
export { TargetRefusedError, addressRefusal, checkUrl, parseAllowlist } from './guard.ts';
export type { TargetPolicy } from './guard.ts';
export { RETRY_MULTIPLIERS, MAX_ATTEMPTS, retrySchedule, nextRetryDelay, parseRetryAfter } from './schedule.ts';
export { signingSecrets, standardWebhookHeaders } from './sign.ts';
export { generateWebhookSecret } from './secrets.ts';
