export { createDb, isUniqueViolation, pingPostgres } from './client.ts';
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
  EmailEvent as EmailEventRow,
  MessageStatus,
  Call,
  CallStep,
  Recording,
  Source,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookAttempt,
} from './generated/client.ts';
export { storeRawEvent, storeRawEvents, rawEventToPayload } from './raw-events.ts';
export { rawEventBodiesContaining } from './raw-event-search.ts';
export { persistInterpretedMessages, messageView } from './messages.ts';
export type { InterpretedMessage, PersistOutcome, PersistOptions, IntentValue } from './messages.ts';
export { applyStatusCallbacks, attachProviderMessageId, attachProviderMessageIds, completeCampaigns, moveCounters, raiseAlerts } from './statuses.ts';
export type { StatusCallback, StatusOutcome, StatusBatchResult, MessageIdAttachment } from './statuses.ts';
export {
  openCampaign,
  addCampaignRecipients,
  finishCampaign,
  launchCampaign,
  cancelCampaign,
  claimCampaignSend,
  claimCampaignSends,
  renewCampaignClaim,
  releaseCampaignClaim,
  refuseCampaignSend,
  takeDueSends,
} from './campaigns.ts';
export type { CampaignChannel, CampaignSettings, NewCampaign, LaunchOutcome, CancelOutcome, ClaimedSend, ClaimOutcome } from './campaigns.ts';
export { applyEmailEvents } from './email-events.ts';
export type { EmailEventInput, EmailEventOutcome } from './email-events.ts';
export { recordVoiceEvents } from './calls.ts';
export type { VoiceEvent, VoiceBatchResult } from './calls.ts';
export { isOptedOut, optedOutAmong, optOutKey } from './opt-out.ts';
export { evaluateSourceSilence, getSourceAlerting, putSourceAlerting, listSourceAlerting, sourceExists } from './silence.ts';
export type { SourceAlertingView, SourceAlertingInput, SilenceTransition } from './silence.ts';
export { eraseContact, addressHash, erasedLabel, addressPattern, addressPrefilter, isSuppressed } from './erasure.ts';
export type { ErasureCounts, ErasureResult } from './erasure.ts';
export { recordConsentChanges, consentHistory, consentLedgerPages } from './consent.ts';
export type { ConsentChange, ConsentEntry } from './consent.ts';
export { anyEndpointEnabled, writeDeliveries, dueDeliveries } from './outbox.ts';
export type { DeliveryQueue, DueDelivery } from './outbox.ts';
export { loadDelivery, claimAttempt, abandonDelivery, recordAttempt } from './webhooks.ts';
export type { DeliveryToSend, AttemptRecord } from './webhooks.ts';
export { sourceRegistry } from './sources.ts';
export type { SourceRegistry, SourceSecrets } from './sources.ts';
