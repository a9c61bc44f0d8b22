import type { ProviderId } from '@switchboard/events';

/** A public webhook route: the path, the provider it feeds, and whether it is a seed-compatible alias. */
export type WebhookRoute = { path: string; provider: ProviderId; alias?: boolean };

/** CONTRACT.md's ingest table. An alias verifies signatures against its own URL, like any route. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [
  { path: '/webhooks/twilio/messages', provider: 'twilio-messaging' },
  { path: '/webhook/sms-response', provider: 'twilio-messaging', alias: true },
  { path: '/api/webhook/twilio/incoming', provider: 'twilio-messaging', alias: true },
];
