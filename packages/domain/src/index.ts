export { MESSAGE_STATUSES, CAMPAIGN_MESSAGE_STATUSES, SETTLED_STATUSES, statusAdvances, campaignStatusOf, counterDeltas } from './statuses.ts';
export type { MessageStatus, CampaignMessageStatus, CounterMove } from './statuses.ts';
export { OUTBOUND_EVENT_TYPES, NEW_MESSAGE_EVENTS, outboundEvent, newMessageEvents, campaignCompletedEvent } from './outbound-events.ts';
export type { OutboundEventType, OutboundEvent } from './outbound-events.ts';
export { leadStatusFor, consentActionOf, requestsCallback, decidedBy, contactKind } from './intent-effects.ts';
