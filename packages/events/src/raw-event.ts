import { z } from 'zod';

/** The providers ingest knows, one folder each in @switchboard/providers. */
export const PROVIDER_IDS = ['twilio-messaging', 'twilio-status', 'twilio-voice', 'mailgun', 'mailgun-events', 'unsubscribe', 'whatsapp-bridge', 'generic', 'vonage-inbound', 'vonage-status', 'meta-whatsapp'] as const;
export const providerIdSchema = z.enum(PROVIDER_IDS);
export type ProviderId = z.infer<typeof providerIdSchema>;

export const attachmentSchema = z.object({
  field: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  /** Where the bytes were stored (relative to the attachments directory). */
  path: z.string(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

/**
 * One item of a body that carries several events (Meta's `entry[].changes[].value.messages[]` and
 * `statuses[]`): each item is its own raw event with its own dedup key, holding the whole signed
 * body (so it can be verified again) and this pointer to its part of it.
 */
export const rawEventItemSchema = z.object({
  entry: z.number().int().nonnegative(),
  change: z.number().int().nonnegative(),
  field: z.enum(['messages', 'statuses']),
  index: z.number().int().nonnegative(),
});
export type RawEventItem = z.infer<typeof rawEventItemSchema>;

/**
 * A verified webhook request as ingest received it: what goes on the inbound queue, into the
 * spool, and into the raw event store. Everything a worker needs; nothing parsed that ingest
 * did not need.
 */
export const rawEventSchema = z.object({
  provider: providerIdSchema,
  /** The provider's idempotency key (see docs/contract.md: MessageSid, token, webhook-id…). */
  dedupKey: z.string().min(1),
  /** The path called, alias or not. */
  route: z.string(),
  /** The URL the signature was verified against (PUBLIC_URL + path + query). */
  url: z.string(),
  sourceId: z.string().optional(),
  receivedAt: z.iso.datetime(),
  remoteIp: z.string().optional(),
  contentType: z.string().optional(),
  /** The headers that matter: signatures, idempotency tokens, user agent. */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']),
  attachments: z.array(attachmentSchema).optional(),
  /** The item of a many-event body this event is (absent: the body is one event). */
  item: rawEventItemSchema.optional(),
  /** Set on a replay: the stored event to run again (the listener does not store it twice). */
  eventId: z.uuid().optional(),
});
export type RawEventPayload = z.infer<typeof rawEventSchema>;

/** The body's bytes, as received. */
export function rawBodyBytes(event: Pick<RawEventPayload, 'body' | 'bodyEncoding'>): Buffer {
  return Buffer.from(event.body, event.bodyEncoding === 'base64' ? 'base64' : 'utf8');
}
