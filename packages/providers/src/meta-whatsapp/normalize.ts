import { MESSAGE_STATUSES } from '@switchboard/domain';
import { rawBodyBytes, type GenericEvent, type InboundMessage, type MessageStatusValue, type NormalizedEvent, type RawEventPayload, type StatusUpdate } from '@switchboard/events';
import { toE164 } from '../address.ts';
import { itemOf, metaBodySchema, type MetaMessage, type MetaStatus, type MetaValue } from './payload.ts';

/** The media a message can carry: recorded (id, type, caption), not downloaded. */
const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;

/**
 * Meta's ids are phone numbers in digits without `+` (`wa_id`, `from`, `recipient_id`,
 * `display_phone_number`): in E.164, one contact (and its opt-out) is the same across Twilio and
 * Meta. Anything that is not a phone number is kept as sent.
 */
export function metaPhone(value: string): string {
  const digits = value.replace(/[\s().-]/g, '');
  return /^\+?\d{6,15}$/.test(digits) ? toE164(digits.startsWith('+') ? digits : `+${digits}`) : value;
}

const epoch = (seconds: string | undefined) => (seconds && /^\d+$/.test(seconds) ? new Date(Number(seconds) * 1000).toISOString() : null);

/**
 * What is classified: the text, a caption, the title of the button or list row chosen (a reply
 * "STOP" from a template's button is an opt-out like a typed one), a reaction's emoji.
 */
function contentOf(message: MetaMessage): string {
  if (message.text) return message.text.body;
  if (message.interactive) return message.interactive.button_reply?.title ?? message.interactive.list_reply?.title ?? '';
  if (message.button) return message.button.text;
  if (message.reaction) return message.reaction.emoji ?? '';
  for (const type of MEDIA_TYPES) if (message[type]) return message[type].caption ?? '';
  return '';
}

/**
 * The media's id, type and caption. Not downloaded: fetching it takes the access token (a second
 * Graph API call for a URL, then an authenticated GET), and Meta keeps it for a limited time, so a
 * worker replaying an old event could not get it anyway; whoever needs the file asks the Graph API
 * with the id while it lives.
 */
function mediaOf(message: MetaMessage) {
  for (const type of MEDIA_TYPES) {
    const media = message[type];
    if (media) return { kind: type, id: media.id, mimeType: media.mime_type ?? null, sha256: media.sha256 ?? null, caption: media.caption ?? null, filename: media.filename ?? null };
  }
  return null;
}

function normalizeMessage(event: RawEventPayload, value: MetaValue, message: MetaMessage): InboundMessage {
  const profile = value.contacts?.find((c) => c.wa_id === message.from)?.profile?.name ?? null;
  const display = value.metadata?.display_phone_number;
  const interactive = message.interactive
    ? { kind: message.interactive.type, id: message.interactive.button_reply?.id ?? message.interactive.list_reply?.id ?? null, title: message.interactive.button_reply?.title ?? message.interactive.list_reply?.title ?? null }
    : message.button
      ? { kind: 'button', id: message.button.payload ?? null, title: message.button.text }
      : null;
  return {
    kind: 'message',
    source: 'whatsapp',
    externalId: message.id,
    sender: metaPhone(message.from),
    recipient: display ? metaPhone(display) : null,
    content: contentOf(message),
    campaignId: null,
    receivedAt: event.receivedAt,
    extractedData: {
      provider: 'meta',
      type: message.type,
      phoneNumberId: value.metadata?.phone_number_id ?? null,
      profileName: profile,
      sentAt: epoch(message.timestamp),
      media: mediaOf(message),
      interactive,
      reaction: message.reaction ? { messageId: message.reaction.message_id, emoji: message.reaction.emoji ?? null } : null,
      replyTo: message.context?.id ?? null,
    },
    rawData: message,
  };
}

/** Meta's statuses in the shared machine's terms; `played` (a voice message listened to) implies read. */
const STATUS_MAP: Record<string, MessageStatusValue> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' };

function normalizeStatus(event: RawEventPayload, status: MetaStatus): StatusUpdate {
  const mapped = STATUS_MAP[status.status];
  if (!mapped || !(MESSAGE_STATUSES as readonly string[]).includes(mapped)) {
    throw new Error(`unknown Meta message status "${status.status}" for ${status.id} (expected one of ${Object.keys(STATUS_MAP).join(', ')})`);
  }
  const error = status.errors?.[0];
  const errorText = [error?.title ?? error?.message, error?.error_data?.details].filter(Boolean).join(': ');
  return {
    kind: 'status',
    providerMessageId: status.id,
    status: mapped,
    errorCode: error?.code ?? null,
    errorMessage: errorText || null,
    recipient: status.recipient_id ? metaPhone(status.recipient_id) : null,
    channel: 'whatsapp',
    receivedAt: event.receivedAt,
  };
}

/**
 * A stored Meta event → a message, a status update, or (a body with neither, such as another
 * subscribed field) a generic event kept raw. The item pointer says which part of the signed body
 * this event is.
 */
export function normalizeMetaWhatsapp(event: RawEventPayload): NormalizedEvent {
  const body = metaBodySchema.parse(JSON.parse(rawBodyBytes(event).toString('utf8')));
  if (!event.item) {
    const fields = [...new Set(body.entry.flatMap((e) => (e.changes ?? []).map((c) => c.field ?? 'unknown')))];
    const generic: GenericEvent = { kind: 'generic', sourceId: 'meta-whatsapp', type: fields.join(',') || null, data: body, receivedAt: event.receivedAt };
    return generic;
  }
  const { value, message, status } = itemOf(body, event.item);
  return message ? normalizeMessage(event, value, message) : normalizeStatus(event, status!);
}
