export { checkRecipient, fillTemplate, templateVariables, escapeHtml, isEmailAddress } from './recipients.ts';
export type { Recipient, RecipientCheck, RecipientInput } from './recipients.ts';
export { isRetryableFailure, classifySendAnswer, retryAfterMs, RETRYABLE_ERROR_CODES, PERMANENT_ERROR_CODES, VONAGE_RETRYABLE_ERROR_CODES } from './failures.ts';
export type { SendAnswerKind } from './failures.ts';
export { resendDelayMs, transportRetryDelayMs } from './schedule.ts';
export { campaignRates, alertDue, alertFailureRate, ALERT_MIN_FINAL } from './rates.ts';
export type { CampaignCounts } from './rates.ts';
export { CAMPAIGN_PROVIDERS, campaignProvider } from './providers.ts';
export type { CampaignChannel, CampaignProvider } from './providers.ts';
