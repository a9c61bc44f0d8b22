import type { ProviderId } from '@switchboard/events';
import { VONAGE_ROUTES } from '@switchboard/providers';

/** A public webhook route: the path, the provider it feeds, and whether it is a seed-compatible alias. */
export type WebhookRoute = { path: string; provider: ProviderId; alias?: boolean };

/** CONTRACT.md's ingest table. An alias verifies signatures against its own URL, like any route. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [
  { path: '/webhooks/twilio/messages', provider: 'twilio-messaging' },
  { path: '/webhook/sms-response', provider: 'twilio-messaging', alias: true },
  { path: '/api/webhook/twilio/incoming', provider: 'twilio-messaging', alias: true },
  { path: '/webhooks/twilio/status', provider: 'twilio-status' },
  { path: '/api/webhook/twilio/status', provider: 'twilio-status', alias: true },
  { path: '/webhooks/twilio/voice', provider: 'twilio-voice' },
  { path: '/webhooks/twilio/voice/menu', provider: 'twilio-voice' },
  { path: '/webhooks/twilio/voice/recording', provider: 'twilio-voice' },
  { path: '/webhooks/mailgun/inbound', provider: 'mailgun' },
  { path: '/webhook/email-response', provider: 'mailgun', alias: true },
  { path: '/webhooks/mailgun/events', provider: 'mailgun-events' },
  { path: '/webhooks/unsubscribe/:token', provider: 'unsubscribe' },
  { path: '/webhooks/whatsapp-bridge', provider: 'whatsapp-bridge' },
  { path: '/webhook/whatsapp', provider: 'whatsapp-bridge', alias: true },
  { path: '/webhooks/generic/:sourceId', provider: 'generic' },
  ...VONAGE_ROUTES,
  { path: '/webhooks/meta/whatsapp', provider: 'meta-whatsapp' },
];
