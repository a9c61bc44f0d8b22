import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RawEventItem } from '@switchboard/events';

/**
 * The parts of Meta's webhook body (`object`, `entry[].changes[].value`) this gateway reads; every
 * other field is kept as received (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
 */
const mediaSchema = z.looseObject({ id: z.string(), mime_type: z.string().optional(), sha256: z.string().optional(), caption: z.string().optional(), filename: z.string().optional() });

export const metaMessageSchema = z.looseObject({
  /** The wamid: the message's id, its dedup key. */
  id: z.string().min(1),
  /** The sender's WhatsApp id: the phone number in digits, without `+`. */
  from: z.string().min(1),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  /** A template's quick-reply button. */
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  image: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  video: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  /** Set when the message replies to another: `id` is the wamid replied to. */
  context: z.looseObject({ from: z.string().optional(), id: z.string().optional() }).optional(),
});
export type MetaMessage = z.infer<typeof metaMessageSchema>;

export const metaStatusSchema = z.looseObject({
  /** The wamid of the message sent (the id the Graph API answered). */
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z.array(z.looseObject({ code: z.number().int().optional(), title: z.string().optional(), message: z.string().optional(), error_data: z.looseObject({ details: z.string().optional() }).optional() })).optional(),
  biz_opaque_callback_data: z.string().optional(),
});
export type MetaStatus = z.infer<typeof metaStatusSchema>;

const valueSchema = z.looseObject({
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string().optional() }).optional(),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
export type MetaValue = z.infer<typeof valueSchema>;

export const metaBodySchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.looseObject({ id: z.string().optional(), changes: z.array(z.looseObject({ field: z.string().optional(), value: valueSchema.optional() })).optional() })),
});
export type MetaBody = z.infer<typeof metaBodySchema>;

/** One message or status of a body, with its dedup key and where it sits. */
export type MetaItem = { dedupKey: string; item: RawEventItem };

export type ParsedMetaBody =
  | { ok: true; body: MetaBody; items: MetaItem[] }
  | { ok: false; error: string; fields: string[] };

const path = (parts: (string | number)[]) => parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/**
 * Parses a webhook body and lists its items: each message (dedup key its wamid) and each status
 * (`wamid.status`, so a retry of the same status is a duplicate and the next status is not).
 * An item without the fields its key and normalizer need is refused, naming it.
 */
export function parseMetaBody(raw: Buffer): ParsedMetaBody {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, error: 'body is not valid JSON', fields: [] };
  }
  const parsed = metaBodySchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => path(i.path as (string | number)[]) || '(body)'))];
    return { ok: false, error: `not a Meta webhook body: ${fields.join(', ')}`, fields };
  }
  const items: MetaItem[] = [];
  const bad: string[] = [];
  parsed.data.entry.forEach((entry, e) => {
    (entry.changes ?? []).forEach((change, c) => {
      const value = change.value;
      (value?.messages ?? []).forEach((m, index) => {
        const message = metaMessageSchema.safeParse(m);
        if (message.success) items.push({ dedupKey: message.data.id, item: { entry: e, change: c, field: 'messages', index } });
        else bad.push(path(['entry', e, 'changes', c, 'value', 'messages', index]));
      });
      (value?.statuses ?? []).forEach((s, index) => {
        const status = metaStatusSchema.safeParse(s);
        if (status.success) items.push({ dedupKey: `${status.data.id}.${status.data.status}`, item: { entry: e, change: c, field: 'statuses', index } });
        else bad.push(path(['entry', e, 'changes', c, 'value', 'statuses', index]));
      });
    });
  });
  if (bad.length > 0) return { ok: false, error: `messages need id, from and type, statuses id and status: ${bad.join(', ')}`, fields: bad };
  return { ok: true, body: parsed.data, items };
}

/** The dedup key of a body with no message or status (another field, or `contacts` alone): its hash. */
export function bodyDedupKey(raw: Buffer): string {
  return `body.${createHash('sha256').update(raw).digest('hex')}`;
}

/** The value an item points into, and the item itself, parsed; throws when the pointer does not fit the body. */
export function itemOf(body: MetaBody, item: RawEventItem): { value: MetaValue; message?: MetaMessage; status?: MetaStatus } {
  const value = body.entry[item.entry]?.changes?.[item.change]?.value;
  const raw = value?.[item.field]?.[item.index];
  if (!value || raw === undefined) throw new Error(`no ${item.field}[${item.index}] in entry[${item.entry}].changes[${item.change}]`);
  return item.field === 'messages' ? { value, message: metaMessageSchema.parse(raw) } : { value, status: metaStatusSchema.parse(raw) };
}
