export { PROVIDER_IDS, providerIdSchema, attachmentSchema, rawEventItemSchema, rawEventSchema, rawBodyBytes } from './raw-event.ts';
export type { ProviderId, Attachment, RawEventItem, RawEventPayload } from './raw-event.ts';
export {
  MESSAGE_SOURCES,
  messageSourceSchema,
  messageStatusSchema,
  inboundMessageSchema,
  messageToInterpretSchema,
  toInterpret,
  statusUpdateSchema,
  callStepSchema,
  recordingSchema,
  genericEventSchema,
  emailEventSchema,
  normalizedEventSchema,
} from './normalized.ts';
export type { MessageSource, MessageStatusValue, InboundMessage, MessageToInterpret, StatusUpdate, CallStepEvent, RecordingEvent, GenericEvent, EmailEvent, NormalizedEvent } from './normalized.ts';
export { BUILTIN_SOURCES, SOURCE_PROVIDERS, minutesOf, isTimeZone, localTime, expectedSince, silenceVerdict } from './silence.ts';
export type { BuiltinSource, ExpectedActivity, SilenceState, SilenceVerdict } from './silence.ts';
