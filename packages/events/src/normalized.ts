import { z } from 'zod';
import { MESSAGE_STATUSES } from '@switchboard/domain';
import { attachmentSchema } from './raw-event.ts';

export const MESSAGE_SOURCES = ['sms', 'whatsapp', 'email', 'whatsapp-group'] as const;
export const messageSourceSchema = z.enum(MESSAGE_SOURCES);
export type MessageSource = z.infer<typeof messageSourceSchema>;

/** The statuses a provider reports, from the one list (@switchboard/domain, with the lifecycle). */
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatusValue = z.infer<typeof messageStatusSchema>;

/** An inbound message from a person: the seed's shape (source, sender, content, campaign id, received at, extracted data, raw data). */
export const inboundMessageSchema = z.object({
  kind: z.literal('message'),
  source: messageSourceSchema,
  /** The provider's message id. */
  externalId: z.string().min(1),
  /** E.164 phone (no whatsapp: prefix), lower-cased email, or the bridge author. */
  sender: z.string().min(1),
  recipient: z.string().nullable(),
  content: z.string(),
  campaignId: z.string().nullable(),
  receivedAt: z.iso.datetime(),
  extractedData: z.record(z.string(), z.unknown()),
  rawData: z.record(z.string(), z.unknown()),
  /** Email only. */
  email: z
    .object({
      subject: z.string(),
      strippedText: z.string(),
      quoted: z.string(),
      attachments: z.array(attachmentSchema),
    })
    .optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/**
 * An inbound message as the interpreter gets it: without `rawData`, the provider's payload, which
 * the stored raw event already holds byte for byte (half of each message's bytes through Redis
 * and Postgres otherwise). A job queued with it still parses: unknown keys are dropped.
 */
export const messageToInterpretSchema = inboundMessageSchema.omit({ rawData: true });
export type MessageToInterpret = z.infer<typeof messageToInterpretSchema>;

/** The message without its provider payload, for the interpreter's job. */
export function toInterpret(message: InboundMessage): MessageToInterpret {
  const { rawData: _payload, ...rest } = message;
  return rest;
}

export const statusUpdateSchema = z.object({
  kind: z.literal('status'),
  providerMessageId: z.string().min(1),
  status: messageStatusSchema,
  errorCode: z.number().int().nullable(),
  errorMessage: z.string().nullable(),
  recipient: z.string().nullable(),
  channel: z.enum(['sms', 'whatsapp', 'email']),
  receivedAt: z.iso.datetime(),
});
export type StatusUpdate = z.infer<typeof statusUpdateSchema>;

export const callStepSchema = z.object({
  kind: z.literal('call'),
  callSid: z.string().min(1),
  from: z.string(),
  to: z.string().nullable(),
  step: z.enum(['incoming', 'menu', 'status']),
  status: z.string(),
  digits: z.string().nullable(),
  /** What the digit meant in the menu (information, voicemail, operator, repeat). */
  choice: z.string().nullable(),
  receivedAt: z.iso.datetime(),
});
export type CallStepEvent = z.infer<typeof callStepSchema>;

export const recordingSchema = z.object({
  kind: z.literal('recording'),
  callSid: z.string().min(1),
  recordingSid: z.string().min(1),
  url: z.string(),
  durationSec: z.number().int().nullable(),
  status: z.string(),
  receivedAt: z.iso.datetime(),
});
export type RecordingEvent = z.infer<typeof recordingSchema>;

/** An event from a generic source: stored and announced, not interpreted. */
export const genericEventSchema = z.object({
  kind: z.literal('generic'),
  sourceId: z.string(),
  type: z.string().nullable(),
  data: z.unknown(),
  receivedAt: z.iso.datetime(),
});
export type GenericEvent = z.infer<typeof genericEventSchema>;

/**
 * A Mailgun event (https://documentation.mailgun.com/docs/mailgun/user-manual/events/) about a
 * campaign email, or a one-click unsubscribe (`event` unsubscribed, `id` `one-click.<messageId>`).
 */
export const emailEventSchema = z.object({
  kind: z.literal('email-event'),
  /** Mailgun's event id: the dedup key of its effects. */
  id: z.string().min(1),
  event: z.string(),
  /** The Message-Id, without angle brackets. */
  messageId: z.string().nullable(),
  /** From the `v:campaignMessageId` user variable (or the unsubscribe token). */
  campaignMessageId: z.uuid().nullable(),
  recipient: z.string().nullable(),
  /** `failed` events: permanent or temporary. */
  severity: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  errorMessage: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});
export type EmailEvent = z.infer<typeof emailEventSchema>;

export const normalizedEventSchema = z.discriminatedUnion('kind', [inboundMessageSchema, statusUpdateSchema, callStepSchema, recordingSchema, genericEventSchema, emailEventSchema]);
export type NormalizedEvent = z.infer<typeof normalizedEventSchema>;
