import type { NormalizedEvent, RawEventPayload } from '@switchboard/events';
import { normalizeGenericEvent } from './generic/index.ts';
import { normalizeMailgunEvent } from './mailgun/events.ts';
import { normalizeMailgunMessage } from './mailgun/index.ts';
import { normalizeUnsubscribe } from './mailgun/unsubscribe-route.ts';
import { normalizeTwilioMessage } from './twilio/messaging/index.ts';
import { normalizeTwilioStatus } from './twilio/status/index.ts';
import { normalizeTwilioVoice } from './twilio/voice/index.ts';
import { normalizeBridgeMessage } from './whatsapp-bridge/index.ts';
import { normalizeMetaWhatsapp } from './meta-whatsapp/index.ts';
import type { NormalizeContext } from './types.ts';
import { normalizeVonageInbound, normalizeVonageStatus } from './vonage/index.ts';

type Normalizer = (event: RawEventPayload, context: NormalizeContext) => NormalizedEvent;

/** Each provider's normalizer, by provider id: the listener's one entry point. */
const normalizers: Record<RawEventPayload['provider'], Normalizer> = {
  'twilio-messaging': normalizeTwilioMessage,
  'twilio-status': normalizeTwilioStatus,
  'twilio-voice': normalizeTwilioVoice,
  mailgun: normalizeMailgunMessage,
  'mailgun-events': normalizeMailgunEvent,
  unsubscribe: normalizeUnsubscribe,
  'whatsapp-bridge': normalizeBridgeMessage,
  generic: normalizeGenericEvent,
  'vonage-inbound': normalizeVonageInbound,
  'vonage-status': normalizeVonageStatus,
  'meta-whatsapp': normalizeMetaWhatsapp,
};

/**
 * Normalizes a stored raw event; throws for a provider with no normalizer (a bug, not bad input).
 * Every NUL character in the result becomes U+FFFD: Postgres text and jsonb cannot hold NUL, and a
 * signed `Body=a%00b` would otherwise fail its insert on every retry, acknowledged but never saved.
 */
export function normalizeEvent(event: RawEventPayload, context: NormalizeContext = {}): NormalizedEvent {
  const normalize = normalizers[event.provider];
  if (!normalize) throw new Error(`no normalizer for provider ${event.provider}`);
  return withoutNul(normalize(event, context));
}

/** The replacement for NUL in normalized text: what a decoder puts for a character it cannot keep. */
export const NUL_REPLACEMENT = '\uFFFD';

/** `value` with NUL replaced in every string it holds, keys included (a copy only where needed). */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', NUL_REPLACEMENT) : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutNul(v)) as T;
  // Plain objects only (querystring's results have no prototype).
  const proto: unknown = value && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}
