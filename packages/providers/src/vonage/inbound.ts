import type { InboundMessage, RawEventPayload } from '@switchboard/events';
import { definedOnly } from '../defined.ts';
import type { IngestRequest, NormalizeContext, Provider } from '../types.ts';
import { acceptVonage, EMPTY_REPLY, type VonageSecrets } from './common.ts';
import { JSON_TYPE, storedVonageBody, vonageAddress, vonageInboundSchema, type VonageInbound } from './payload.ts';

export type VonageInboundFields = { messageUuid: string };

/**
 * Vonage Messages API inbound messages (`POST /webhooks/vonage/inbound`), SMS and WhatsApp. The
 * dedup key is `message_uuid` (signed, through `payload_hash`): Vonage's retries of one message
 * are one event.
 */
export function vonageInbound(): Provider<VonageSecrets, VonageInboundFields> {
  const accept = (request: IngestRequest, secrets: VonageSecrets | null) => {
    const outcome = acceptVonage(request, secrets, vonageInboundSchema);
    if (!outcome.ok) return outcome;
    const messageUuid = outcome.value.message_uuid;
    return { ok: true as const, dedupKey: messageUuid, fields: { messageUuid }, bodyContentType: JSON_TYPE };
  };
  return {
    id: 'vonage-inbound',
    contentTypes: [JSON_TYPE],
    integration: 'sms',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    reply: () => EMPTY_REPLY,
  };
}

/** The media kinds the Messages API sends for SMS and WhatsApp, each an object with a `url` (and maybe a `caption` or `name`). */
const MEDIA_TYPES = ['image', 'audio', 'video', 'file', 'sticker', 'vcard'] as const;

type Media = { type: string; url: string | null; caption: string | null; name: string | null };

/** The media of a message, recorded by reference: the URLs are Vonage's, not downloaded. */
function mediaOf(message: VonageInbound): Media[] {
  const out: Media[] = [];
  for (const type of MEDIA_TYPES) {
    const media = message[type];
    if (!media || typeof media !== 'object') continue;
    const m = media as Record<string, unknown>;
    out.push({ type, url: str(m.url), caption: str(m.caption), name: str(m.name) });
  }
  return out;
}

/**
 * What the person said, as text: the text itself, a media caption, the title of a WhatsApp
 * interactive reply or the text of a quick-reply button (what they tapped, so a "STOP" button
 * opts out like a typed STOP).
 */
function contentOf(message: VonageInbound, media: Media[]): string {
  const text = str(message.text);
  if (text !== null) return text;
  const reply = obj(message.reply);
  if (reply) return str(reply.title) ?? str(reply.description) ?? '';
  const button = obj(message.button);
  if (button) return str(button.text) ?? str(button.payload) ?? '';
  return media.find((m) => m.caption)?.caption ?? '';
}

/** A stored inbound message → the normalized message: source by channel, numbers in E.164. */
export function normalizeVonageInbound(event: RawEventPayload, context: NormalizeContext = {}): InboundMessage {
  const message = storedVonageBody(event, vonageInboundSchema);
  const media = mediaOf(message);
  const location = obj(message.location);
  const profile = obj(message.profile);
  const context_ = obj(message.context);
  return {
    kind: 'message',
    source: message.channel,
    externalId: message.message_uuid,
    sender: vonageAddress(message.from, context.defaultCountry),
    recipient: message.to ? vonageAddress(message.to, context.defaultCountry) : null,
    content: contentOf(message, media),
    campaignId: null,
    receivedAt: event.receivedAt,
    extractedData: definedOnly({
      channel: message.channel,
      messageType: message.message_type,
      media: media.length > 0 ? media : undefined,
      location: location ? { latitude: location.lat, longitude: location.long, name: location.name, address: location.address } : undefined,
      profileName: profile ? str(profile.name) : undefined,
      reply: obj(message.reply),
      button: obj(message.button),
      inReplyTo: context_ ? str(context_.message_uuid) : undefined,
      sentAt: message.timestamp,
      sms: obj(message.sms),
    }),
    rawData: message as Record<string, unknown>,
  };
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const obj = (value: unknown): Record<string, unknown> | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
