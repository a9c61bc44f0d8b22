import type { NormalizedEvent, RawEventPayload } from '@switchboard/events';
import { normalizeGenericEvent } from './generic/index.ts';
import { normalizeMailgunMessage } from './mailgun/index.ts';
import { normalizeTwilioMessage } from './twilio/messaging/index.ts';
import { normalizeTwilioStatus } from './twilio/status/index.ts';
import { normalizeTwilioVoice } from './twilio/voice/index.ts';
import { normalizeBridgeMessage } from './whatsapp-bridge/index.ts';
import type { NormalizeContext } from './types.ts';

type Normalizer = (event: RawEventPayload, context: NormalizeContext) => NormalizedEvent;

/** Each provider's normalizer, by provider id: the listener's one entry point. */
const normalizers: Record<RawEventPayload['provider'], Normalizer> = {
  'twilio-messaging': normalizeTwilioMessage,
  'twilio-status': normalizeTwilioStatus,
  'twilio-voice': normalizeTwilioVoice,
  mailgun: normalizeMailgunMessage,
  'whatsapp-bridge': normalizeBridgeMessage,
  generic: normalizeGenericEvent,
};

/** Normalizes a stored raw event; throws for a provider with no normalizer (a bug, not bad input). */
export function normalizeEvent(event: RawEventPayload, context: NormalizeContext = {}): NormalizedEvent {
  const normalize = normalizers[event.provider];
  if (!normalize) throw new Error(`no normalizer for provider ${event.provider}`);
  return normalize(event, context);
}
