export { createDb, isUniqueViolation } from './client.ts';
export type { Db, DbTx, DbOptions } from './client.ts';
export { newId } from './ids.ts';
export { Prisma } from './generated/client.ts';
export type {
  RawEvent,
  Contact,
  Message,
  MessageIntent,
  CallbackRequest,
  Campaign,
  CampaignMessage,
  PendingStatus,
  MessageStatus,
  Call,
  CallStep,
  Recording,
  Source,
  WebhookSubscriber,
  WebhookDelivery,
  WebhookAttempt,
} from './generated/client.ts';
export { storeRawEvent, storeRawEvents, rawEventToPayload } from './raw-events.ts';
export { persistInterpretedMessages } from './messages.ts';
export type { InterpretedMessage, PersistOutcome, PersistOptions, IntentValue } from './messages.ts';
