import { randomBytes } from 'node:crypto';

/** The event types an endpoint may subscribe to (CONTRACT.md, outbound webhooks). */
export const WEBHOOK_EVENT_TYPES = ['message.received', 'message.interpreted', 'message.status', 'call.completed', 'campaign.completed', 'campaign.alert', 'source.silent', 'source.recovered'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes (192 bits). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
