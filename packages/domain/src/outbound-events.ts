/**
 * The catalog of outbound event types (what subscribers receive, docs/contract.md) and the rules
 * that say which events a change emits and under which key. The database writes them to the
 * outbox; the console validates endpoint subscriptions against the same list.
 */
import { campaignRates, type CampaignCounts } from '@switchboard/campaigns';

export const OUTBOUND_EVENT_TYPES = ['message.received', 'message.interpreted', 'message.status', 'call.completed', 'campaign.completed', 'campaign.alert', 'source.silent', 'source.recovered'] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** An outbound event to announce: one delivery per `eventKey` and endpoint, however often its effect is replayed. */
export type OutboundEvent = {
  /** `message.received:<messageId>`, `message.status:<providerMessageId>:<status>`, … (webhook_deliveries.event_key). */
  eventKey: string;
  type: OutboundEventType;
  data: unknown;
};

/**
 * An event keyed by its type and what identifies the change (`parts`, joined with `:`): the same
 * change replayed gets the same key, so the outbox delivers it once per endpoint.
 */
export function outboundEvent(type: OutboundEventType, parts: readonly (string | number)[], data: unknown): OutboundEvent {
  return { eventKey: [type, ...parts].join(':'), type, data };
}

/** What a newly stored inbound message emits (a replay emits nothing again). */
export const NEW_MESSAGE_EVENTS = ['message.received', 'message.interpreted'] as const satisfies readonly OutboundEventType[];

/** The events of a new message, keyed by its id; `data` is the message as the console shows it. */
export function newMessageEvents(messageId: string, data: unknown): OutboundEvent[] {
  return NEW_MESSAGE_EVENTS.map((type) => outboundEvent(type, [messageId], data));
}

/** The `campaign.completed` event of a campaign that just completed: its counts and rates over its total. */
export function campaignCompletedEvent(c: { id: string; name: string; channel: string; total: number; completedAt: Date } & CampaignCounts): OutboundEvent {
  const counts = { queued: c.queued, sent: c.sent, delivered: c.delivered, read: c.read, failed: c.failed, undelivered: c.undelivered, skipped: c.skipped, canceled: c.canceled };
  return outboundEvent('campaign.completed', [c.id], {
    id: c.id, name: c.name, channel: c.channel, total: c.total, counts, ...campaignRates(counts, c.total),
    completedAt: c.completedAt.toISOString(),
  });
}
