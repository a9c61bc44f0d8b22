import type { EmailEvent } from '@switchboard/events';
import type { Db, DbTx } from './client.ts';
import { newId } from './ids.ts';
import { recordConsentChanges } from './consent.ts';
import { applyStatusCallbacks, type StatusCallback } from './statuses.ts';

/** One Mailgun event (or one-click unsubscribe) with the raw event it came from. */
export type EmailEventInput = { eventId: string; event: EmailEvent };

/** What one event did: `applied`, or `duplicate` (its Mailgun event id was applied before). */
export type EmailEventOutcome = 'applied' | 'duplicate' | 'unknown-message';

/** The Mailgun event that moves a campaign message's status, and to what. */
function statusOf(e: EmailEvent): 'sent' | 'delivered' | 'failed' | undefined {
  if (e.event === 'accepted') return 'sent';
  if (e.event === 'delivered') return 'delivered';
  // A temporary failure is Mailgun retrying on its own: the message stays where it is.
  if (e.event === 'failed' && e.severity === 'permanent') return 'failed';
  return undefined;
}

/**
 * Applies Mailgun events to campaign emails. Status events (accepted → sent, delivered, permanent
 * failure → failed) go through {@link applyStatusCallbacks}, keyed by the Message-Id as Twilio's
 * callbacks are by SID: monotonic, idempotent, and held until the send stores its id. The rest
 * (opens, clicks, complaints, opt-outs, undeliverable addresses) is applied in one transaction
 * with the event's id in `email_events`: an event seen before changes nothing. A crash between
 * the two re-runs the first (a no-op) and then the second.
 */
export async function applyEmailEvents(db: Db, items: EmailEventInput[]): Promise<{ outcomes: EmailEventOutcome[]; deliveryIds: string[] }> {
  if (items.length === 0) return { outcomes: [], deliveryIds: [] };
  // Events naming a message only by the user variable find its Message-Id here.
  const byCampaignMessage = await db.campaignMessage.findMany({
    where: { id: { in: [...new Set(items.map((i) => i.event.campaignMessageId).filter((id): id is string => id !== null))] } },
    select: { id: true, campaignId: true, recipient: true, providerMessageId: true },
  });
  const messages = new Map(byCampaignMessage.map((m) => [m.id, m]));
  const callbacks: StatusCallback[] = [];
  for (const { eventId, event } of items) {
    const status = statusOf(event);
    const sid = event.messageId ?? (event.campaignMessageId ? messages.get(event.campaignMessageId)?.providerMessageId : null);
    if (!status || !sid) continue;
    callbacks.push({
      eventId,
      update: { kind: 'status', providerMessageId: sid, status, errorCode: event.errorCode, errorMessage: event.errorMessage, recipient: event.recipient, channel: 'email', receivedAt: event.occurredAt },
    });
  }
  const deliveryIds: string[] = [];
  if (callbacks.length > 0) deliveryIds.push(...(await applyStatusCallbacks(db, callbacks)).deliveryIds);

  const outcomes = await db.$transaction(async (tx) => {
    const fresh = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO email_events (id, event, message_id, campaign_message_id, recipient, severity, event_id, occurred_at)
      SELECT * FROM UNNEST(${items.map((i) => i.event.id)}::text[], ${items.map((i) => i.event.event)}::text[], ${items.map((i) => i.event.messageId)}::text[],
        ${items.map((i) => i.event.campaignMessageId)}::uuid[], ${items.map((i) => i.event.recipient)}::text[], ${items.map((i) => i.event.severity)}::text[],
        ${items.map((i) => i.eventId)}::uuid[], ${items.map((i) => i.event.occurredAt)}::timestamptz[])
      ON CONFLICT (id) DO NOTHING RETURNING id`;
    const isFresh = new Set(fresh.map((r) => r.id));
    const out: EmailEventOutcome[] = [];
    // The same event twice in one batch counts once.
    const done = new Set<string>();
    for (const { event } of items) {
      if (!isFresh.has(event.id) || done.has(event.id)) {
        out.push('duplicate');
        continue;
      }
      done.add(event.id);
      const rows = await tx.$queryRaw<{ id: string; campaign_id: string; recipient: string }[]>`
        SELECT id, campaign_id, recipient FROM campaign_messages
        WHERE id = ${event.campaignMessageId}::uuid OR (${event.campaignMessageId}::uuid IS NULL AND provider_message_id = ${event.messageId})
        LIMIT 1 FOR UPDATE`;
      const message = rows[0];
      const address = (event.recipient ?? message?.recipient ?? '').trim().toLowerCase();
      if (event.event === 'opened' || event.event === 'clicked') {
        if (!message) {
          out.push('unknown-message');
          continue;
        }
        const column = event.event === 'opened' ? 'opens' : 'clicks';
        // Counted per message at its first open (click): the rate is of recipients, not of events.
        const [first] = await tx.$queryRaw<{ first: boolean }[]>`
          UPDATE campaign_messages SET opens = opens + ${column === 'opens' ? 1 : 0}, clicks = clicks + ${column === 'clicks' ? 1 : 0}
          WHERE id = ${message.id}::uuid RETURNING (CASE WHEN ${column} = 'opens' THEN opens ELSE clicks END) = 1 AS first`;
        if (first?.first) {
          if (column === 'opens') await tx.$executeRaw`UPDATE campaigns SET opened = opened + 1 WHERE id = ${message.campaign_id}::uuid`;
          else await tx.$executeRaw`UPDATE campaigns SET clicked = clicked + 1 WHERE id = ${message.campaign_id}::uuid`;
        }
      } else if (event.event === 'complained' || event.event === 'unsubscribed') {
        if (event.event === 'complained' && message) {
          const n = await tx.$executeRaw`UPDATE campaign_messages SET complained_at = ${new Date(event.occurredAt)} WHERE id = ${message.id}::uuid AND complained_at IS NULL`;
          if (n === 1) await tx.$executeRaw`UPDATE campaigns SET complained = complained + 1 WHERE id = ${message.campaign_id}::uuid`;
        }
        if (address.includes('@')) {
          // The email address's contact only: a phone number is another contact, with its own consent.
          const contactId = await emailContact(tx, address);
          // Through the one consent function, as a provider's decision: the ledger keeps which event said so.
          await recordConsentChanges(tx, [{
            address,
            contactId,
            channel: 'email',
            action: 'opt_out',
            at: new Date(event.occurredAt),
            cause: 'provider',
            messageId: null,
            wording: `mailgun ${event.event}`,
            decidedBy: `mailgun:${event.event}`,
            sourceKey: `mailgun:${event.id}`,
          }]);
        }
      } else if (event.event === 'failed' && event.severity === 'permanent' && address.includes('@')) {
        await emailContact(tx, address);
        await tx.$executeRaw`
          UPDATE contacts SET undeliverable_at = COALESCE(undeliverable_at, ${new Date(event.occurredAt)}), undeliverable_reason = ${event.errorMessage ?? `bounce ${event.errorCode ?? ''}`.trim()}, updated_at = now()
          WHERE address = ${address}`;
      }
      out.push(message || !event.campaignMessageId ? 'applied' : 'unknown-message');
    }
    return out;
  });
  return { outcomes, deliveryIds };
}

async function emailContact(tx: DbTx, address: string): Promise<string> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO contacts (id, address, kind) VALUES (${newId()}::uuid, ${address}, 'email')
    ON CONFLICT (address) DO UPDATE SET updated_at = contacts.updated_at RETURNING id`;
  return rows[0]!.id;
}
