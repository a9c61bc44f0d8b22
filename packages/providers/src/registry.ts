import type { NormalizedEvent, RawEventPayload } from '@switchboard/events';
import { normalizeTwilioMessage } from './twilio/messaging/index.ts';
import type { NormalizeContext } from './types.ts';

type Normalizer = (event: RawEventPayload, context: NormalizeContext) => NormalizedEvent;

/** Each provider's normalizer, by provider id: the listener's one entry point. */
const normalizers: Partial<Record<RawEventPayload['provider'], Normalizer>> = {
  'twilio-messaging': normalizeTwilioMessage,
};

/** Normalizes a stored raw event; throws for a provider with no normalizer (a bug, not bad input). */
export function normalizeEvent(event: RawEventPayload, context: NormalizeContext = {}): NormalizedEvent {
  const normalize = normalizers[event.provider];
  if (!normalize) throw new Error(`no normalizer for provider ${event.provider}`);
  return normalize(event, context);
}
