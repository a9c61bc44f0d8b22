import { z } from 'zod';
import { rawBodyBytes, type RawEventPayload } from '@switchboard/events';
import { toE164 } from '../address.ts';
import type { Rejection } from '../types.ts';

export const JSON_TYPE = 'application/json';

/** The Messages API channels Switchboard takes from Vonage; each is a message source of its own name. */
export const VONAGE_CHANNELS = ['sms', 'whatsapp'] as const;
export type VonageChannel = (typeof VONAGE_CHANNELS)[number];

/** What every Messages API webhook carries (https://developer.vonage.com/en/api/messages#webhooks). */
const baseSchema = z.looseObject({
  message_uuid: z.string().min(1),
  channel: z.enum(VONAGE_CHANNELS),
  to: z.string().optional(),
  from: z.string().optional(),
  timestamp: z.string().optional(),
});

/** An inbound message: `message_type` says which of the typed fields (`text`, `image`…) holds it. */
export const vonageInboundSchema = baseSchema.extend({
  from: z.string().min(1),
  message_type: z.string().min(1),
});
export type VonageInbound = z.infer<typeof vonageInboundSchema>;

/** A status: Vonage's own names, mapped to the status machine's by the status normalizer. */
export const VONAGE_STATUSES = ['submitted', 'delivered', 'read', 'rejected', 'undeliverable'] as const;
export const vonageStatusSchema = baseSchema.extend({
  status: z.enum(VONAGE_STATUSES),
  client_ref: z.string().optional(),
  error: z.looseObject({ type: z.string().optional(), title: z.union([z.string(), z.number()]).optional(), detail: z.string().optional() }).optional(),
});
export type VonageStatus = z.infer<typeof vonageStatusSchema>;

export type VonageParse<T> = { ok: true; value: T } | Extract<Rejection, { reason: 'invalid' }>;

/**
 * Reads a verified body with its schema. Refusals name the fields: a missing `message_uuid`, a
 * channel other than sms or whatsapp (a Vonage application also wired to Viber or Messenger gets
 * a 400 for those, not a silent drop), an unknown status.
 */
export function parseVonageBody<T>(body: Buffer, schema: z.ZodType<T>): VonageParse<T> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'invalid', error: 'body is not a JSON object', fields: [] };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
  return { ok: false, reason: 'invalid', error: `missing or invalid fields: ${fields.join(', ')}`, fields };
}

/** A stored Vonage event read with its schema: ingest accepted it, so a failure is a bug, not bad input. */
export function storedVonageBody<T>(event: RawEventPayload, schema: z.ZodType<T>): T {
  const parsed = parseVonageBody(rawBodyBytes(event), schema);
  if (!parsed.ok) throw new Error(`stored Vonage event ${event.dedupKey}: ${parsed.error}`);
  return parsed.value;
}

/**
 * A Vonage number in E.164. The Messages API writes numbers as digits without `+`
 * (`447700900001`), so one contact (and its opt-out) spans Twilio's `+447700900001` and Vonage's;
 * an alphanumeric sender stays as sent.
 */
export function vonageAddress(value: string, defaultCountry?: string): string {
  const trimmed = value.trim();
  return toE164(/^\d{6,15}$/.test(trimmed) ? `+${trimmed}` : trimmed, defaultCountry);
}
