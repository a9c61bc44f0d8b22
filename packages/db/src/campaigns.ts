import type { Db, DbTx } from './client.ts';
import { newId } from './ids.ts';
import { optedOutAmong } from './opt-out.ts';
import { outboundEvent, type OutboundEvent } from '@switchboard/domain';
import { writeDeliveries } from './outbox.ts';
import { completeCampaigns, moveCounters, raiseAlerts } from './statuses.ts';

/** Settings a campaign keeps from its creation (see the `campaigns` columns). */
export type CampaignSettings = { maxRetries: number; retryBaseMs: number; alertFailureRate: number };

export type CampaignChannel = 'sms' | 'whatsapp' | 'email';

export type NewCampaign = { name: string; channel: CampaignChannel; provider: string; body: string; subject?: string; html?: string | null; settings: CampaignSettings };

/**
 * Opens a campaign being created, in the caller's transaction: recipients are then added in
 * batches as the request streams them in ({@link addCampaignRecipients}) and the campaign is
 * finished with its fields ({@link finishCampaign}); nothing is visible before the commit.
 */
export async function openCampaign(tx: DbTx, settings: CampaignSettings): Promise<string> {
  const id = newId();
  await tx.campaign.create({
    data: { id, name: '', channel: 'sms', body: '', status: 'draft', maxRetries: settings.maxRetries, retryBaseMs: settings.retryBaseMs, alertFailureRate: settings.alertFailureRate },
  });
  return id;
}

/**
 * Adds recipients (a repeated number is kept once); returns how many rows were added. With its
 * `addressHash` (see addressHash), a recipient that was erased is stored without its address
 * (`erased:…`, no variables): the campaign counts it, the send-time check skips it.
 */
export async function addCampaignRecipients(
  tx: DbTx,
  campaignId: string,
  recipients: { address: string; variables: Record<string, string>; addressHash?: string }[],
): Promise<number> {
  if (recipients.length === 0) return 0;
  return tx.$executeRaw`
    INSERT INTO campaign_messages (id, campaign_id, recipient, channel, variables, status, recipient_hash)
    SELECT u.id, ${campaignId}::uuid,
      CASE WHEN s.address_hash IS NULL THEN u.recipient ELSE 'erased:' || left(u.hash, 16) END, 'sms',
      CASE WHEN s.address_hash IS NULL THEN u.variables END, 'queued', u.hash
    FROM UNNEST(${recipients.map(() => newId())}::uuid[], ${recipients.map((r) => r.address)}::text[],
      ${recipients.map((r) => JSON.stringify(r.variables))}::jsonb[], ${recipients.map((r) => r.addressHash ?? null)}::text[]) AS u(id, recipient, variables, hash)
    LEFT JOIN suppressions s ON s.address_hash = u.hash
    ON CONFLICT (campaign_id, recipient) DO NOTHING`;
}

/** Sets the campaign's fields and its total (every message starts `queued`). */
export async function finishCampaign(tx: DbTx, campaignId: string, campaign: Omit<NewCampaign, 'settings'>): Promise<number> {
  if (campaign.channel !== 'sms') await tx.$executeRaw`UPDATE campaign_messages SET channel = ${campaign.channel} WHERE campaign_id = ${campaignId}::uuid`;
  const total = await tx.campaignMessage.count({ where: { campaignId } });
  await tx.campaign.update({
    where: { id: campaignId },
    data: { name: campaign.name, channel: campaign.channel, provider: campaign.provider, body: campaign.body, subject: campaign.subject ?? null, html: campaign.html ?? null, total, queued: total },
  });
  return total;
}

export type LaunchOutcome = { outcome: 'launched'; sendAt: Date } | { outcome: 'not-found' } | { outcome: 'conflict'; status: string };

/**
 * Starts sending a draft campaign at `sendAt` (now or later): its messages become due then, and
 * the dispatcher's sweeper adds their send jobs. A campaign is launched once.
 */
export async function launchCampaign(db: Db, campaignId: string, sendAt: Date): Promise<LaunchOutcome> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE campaigns SET status = 'sending', send_at = ${sendAt}, started_at = ${sendAt}
      WHERE id = ${campaignId}::uuid AND status = 'draft' RETURNING id`;
    if (rows.length === 0) {
      const existing = await tx.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
      return existing ? { outcome: 'conflict' as const, status: existing.status } : { outcome: 'not-found' as const };
    }
    await tx.$executeRaw`UPDATE campaign_messages SET next_send_at = ${sendAt} WHERE campaign_id = ${campaignId}::uuid AND send_state = 'pending'`;
    return { outcome: 'launched' as const, sendAt };
  }, { timeout: 60_000 });
}

export type CancelOutcome = { outcome: 'canceled'; canceledMessages: number } | { outcome: 'not-found' } | { outcome: 'conflict'; status: string };

/**
 * Cancels a campaign: every message not claimed for sending yet is canceled (counted under
 * `canceled`); messages already handed to Twilio keep being tracked. Rows are locked in id order,
 * as the status callbacks lock them, so the two never deadlock.
 */
export async function cancelCampaign(db: Db, campaignId: string): Promise<CancelOutcome> {
  return db.$transaction(async (tx) => {
    const existing = await tx.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
    if (!existing) return { outcome: 'not-found' as const };
    if (existing.status !== 'draft' && existing.status !== 'sending') return { outcome: 'conflict' as const, status: existing.status };
    const canceled = await tx.$queryRaw<{ id: string; status: string }[]>`
      WITH locked AS (
        SELECT id, status FROM campaign_messages WHERE campaign_id = ${campaignId}::uuid AND send_state IN ('pending', 'enqueued') ORDER BY id FOR UPDATE
      )
      UPDATE campaign_messages cm SET send_state = 'canceled', status = 'canceled', status_at = now()
      FROM locked WHERE cm.id = locked.id RETURNING cm.id, locked.status`;
    await moveCounters(tx, canceled.map((m) => ({ campaignId, from: m.status, to: 'canceled' })));
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE campaigns SET status = 'canceled', canceled_at = now() WHERE id = ${campaignId}::uuid AND status IN ('draft', 'sending') RETURNING id`;
    if (rows.length === 0) throw new Error(`campaign ${campaignId} changed while being canceled`);
    return { outcome: 'canceled' as const, canceledMessages: canceled.length };
  }, { timeout: 60_000 });
}

/** What the send processor needs to send one message. */
export type ClaimedSend = {
  id: string;
  campaignId: string;
  recipient: string;
  channel: CampaignChannel;
  /** The campaign's provider: the sender to use (see @switchboard/campaigns CAMPAIGN_PROVIDERS). */
  provider: string;
  /** The campaign's template (an email's text part). */
  body: string;
  /** Email only: the subject and HTML templates. */
  subject: string | null;
  html: string | null;
  variables: Record<string, string> | null;
  retries: number;
  claimedAt: Date;
};

export type ClaimOutcome =
  /** Claimed now: send it. */
  | { outcome: 'claimed'; send: ClaimedSend }
  /** Claimed by an earlier run that did not settle (a crash, no answer): reconcile with Twilio before sending. */
  | { outcome: 'unsettled'; send: ClaimedSend }
  /** Opted out: marked `skipped`, never sent. */
  | { outcome: 'skipped'; deliveryIds: string[] }
  /** Nothing to do: already sent, refused, skipped or canceled, or not due. */
  | { outcome: 'done'; sendState: string };

type SendRow = {
  id: string; campaign_id: string; recipient: string; channel: string; variables: Record<string, string> | null; status: string;
  send_state: string; retries: number; claimed_at: Date | null; next_send_at: Date | null; body: string; subject: string | null; html: string | null; provider: string; campaign_status: string;
  suppressed?: boolean;
};

/**
 * The common case of {@link claimCampaignSend} for many messages in one statement (the dispatcher
 * batches the jobs in flight): each due message of a campaign being sent, whose contact is not
 * opted out, is claimed. Returns the claimed ones; the others go through claimCampaignSend, which
 * says why (done, unsettled, skipped).
 */
export async function claimCampaignSends(db: Db, campaignMessageIds: string[], now: Date = new Date()): Promise<Map<string, ClaimedSend>> {
  if (campaignMessageIds.length === 0) return new Map();
  const rows = await db.$queryRaw<SendRow[]>`
    UPDATE campaign_messages cm SET send_state = 'claimed', claimed_at = ${now}
    FROM campaigns c
    WHERE cm.id = ANY(${campaignMessageIds}::uuid[]) AND c.id = cm.campaign_id AND cm.send_state IN ('pending', 'enqueued')
      AND c.status = 'sending' AND cm.next_send_at <= ${now}
      AND NOT EXISTS (SELECT 1 FROM contacts ct WHERE ct.address = cm.recipient AND (ct.opted_out OR ct.undeliverable_at IS NOT NULL))
      AND (cm.recipient_hash IS NULL OR NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.address_hash = cm.recipient_hash))
    RETURNING cm.id, cm.campaign_id, cm.recipient, cm.channel, cm.variables, cm.status, cm.send_state, cm.retries, cm.claimed_at, cm.next_send_at,
      c.body, c.subject, c.html, c.provider, c.status AS campaign_status`;
  return new Map(rows.map((r) => [r.id, toSend(r, now)]));
}

/**
 * Claims a campaign message for sending, in one transaction committed before any HTTP call: a
 * message moves `pending`/`enqueued` → `claimed` once, so two runs of its job (a stall, a crash,
 * a second replica) cannot both send it. The recipient's opt-out is checked here, at send time: an
 * opted-out contact's message is `skipped` instead (counted, announced, never sent).
 */
export async function claimCampaignSend(db: Db, campaignMessageId: string, now: Date = new Date()): Promise<ClaimOutcome> {
  // The common case in one statement (one round trip): due, campaign sending, contact not opted
  // out (recipients are stored in E.164, the contacts' key for a phone). Anything else is sorted
  // out below, in a transaction.
  const fast = (await claimCampaignSends(db, [campaignMessageId], now)).get(campaignMessageId);
  if (fast) return { outcome: 'claimed', send: fast };
  const result = await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<SendRow[]>`
      SELECT cm.id, cm.campaign_id, cm.recipient, cm.channel, cm.variables, cm.status, cm.send_state, cm.retries, cm.claimed_at, cm.next_send_at,
        c.body, c.subject, c.html, c.provider, c.status AS campaign_status,
        (cm.recipient_hash IS NOT NULL AND EXISTS (SELECT 1 FROM suppressions s WHERE s.address_hash = cm.recipient_hash)) AS suppressed
      FROM campaign_messages cm JOIN campaigns c ON c.id = cm.campaign_id
      WHERE cm.id = ${campaignMessageId}::uuid FOR UPDATE OF cm`;
    const row = rows[0];
    if (!row) return { outcome: 'done' as const, sendState: 'missing' };
    if (row.send_state === 'claimed') return { outcome: 'unsettled' as const, send: toSend(row, row.claimed_at ?? now) };
    if (row.send_state !== 'pending' && row.send_state !== 'enqueued') return { outcome: 'done' as const, sendState: row.send_state };
    if (row.campaign_status !== 'sending' || row.next_send_at === null || row.next_send_at > now) return { outcome: 'done' as const, sendState: row.send_state };
    // An erased person (suppressed by hash) is skipped like an opted-out one, never sent.
    const suppressed = row.suppressed === true;
    const optedOut = !suppressed && (await optedOutAmong(tx, [row.recipient])).size > 0;
    // A permanent bounce in an earlier campaign: Mailgun would refuse it, and senders that keep
    // mailing dead addresses lose their reputation.
    const undeliverable =
      !suppressed && !optedOut && (await tx.$queryRaw<{ n: number }[]>`SELECT 1 AS n FROM contacts WHERE address = ${row.recipient} AND undeliverable_at IS NOT NULL`).length > 0;
    if (suppressed || optedOut || undeliverable) {
      const reason = suppressed ? 'suppressed (erased contact)' : optedOut ? 'opted out' : 'undeliverable address';
      await tx.$executeRaw`UPDATE campaign_messages SET send_state = 'skipped', status = 'skipped', status_at = ${now}, error_message = ${reason} WHERE id = ${row.id}::uuid`;
      const event = outboundEvent('message.status', [row.id, 'skipped'], {
        providerMessageId: null, status: 'skipped', errorCode: null, errorMessage: reason, campaignId: row.campaign_id, campaignMessageId: row.id, recipient: row.recipient, channel: row.channel, at: now.toISOString(),
      });
      const events = await settle(tx, [{ campaignId: row.campaign_id, from: row.status, to: 'skipped' }], [event]);
      return { outcome: 'skipped' as const, deliveryIds: await writeDeliveries(tx, events) };
    }
    await tx.$executeRaw`UPDATE campaign_messages SET send_state = 'claimed', claimed_at = ${now} WHERE id = ${row.id}::uuid`;
    return { outcome: 'claimed' as const, send: toSend(row, now) };
  });
  return result;
}

function toSend(row: SendRow, claimedAt: Date): ClaimedSend {
  return {
    id: row.id, campaignId: row.campaign_id, recipient: row.recipient, channel: row.channel === 'whatsapp' || row.channel === 'email' ? row.channel : 'sms',
    provider: row.provider, body: row.body, subject: row.subject, html: row.html, variables: row.variables, retries: row.retries, claimedAt,
  };
}

/** Counters, completion and alert of messages that just moved; returns the events to write. */
async function settle(tx: DbTx, moves: { campaignId: string; from: string; to: string }[], events: OutboundEvent[]): Promise<OutboundEvent[]> {
  const ids = await moveCounters(tx, moves);
  return [...events, ...(await completeCampaigns(tx, ids)), ...(await raiseAlerts(tx, ids))];
}

/** Renews an unsettled claim before sending again (reconciliation found no message at Twilio). */
export async function renewCampaignClaim(db: Db, campaignMessageId: string, now: Date = new Date()): Promise<boolean> {
  const n = await db.$executeRaw`UPDATE campaign_messages SET claimed_at = ${now} WHERE id = ${campaignMessageId}::uuid AND send_state = 'claimed'`;
  return n === 1;
}

/** Gives a claim back when Twilio certainly created nothing (429): the job will claim it again. */
export async function releaseCampaignClaim(db: Db, campaignMessageId: string): Promise<void> {
  await db.$executeRaw`UPDATE campaign_messages SET send_state = 'enqueued', claimed_at = NULL WHERE id = ${campaignMessageId}::uuid AND send_state = 'claimed'`;
}

/**
 * Twilio refused the message for good (a 4xx such as 21211 or 63016), or the send could not be
 * confirmed after every attempt: it ends `failed` with the code and message, without a resend.
 * Returns the deliveries to enqueue after commit.
 */
export async function refuseCampaignSend(db: Db, campaignMessageId: string, error: { code: number | null; message: string }, now: Date = new Date()): Promise<{ deliveryIds: string[] }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; campaign_id: string; recipient: string; channel: string; retries: number; status: string }[]>`
      WITH old AS (SELECT id, status FROM campaign_messages WHERE id = ${campaignMessageId}::uuid AND send_state = 'claimed' FOR UPDATE)
      UPDATE campaign_messages cm SET send_state = 'refused', status = 'failed', error_code = ${error.code}, error_message = ${error.message}, status_at = ${now}
      FROM old WHERE cm.id = old.id RETURNING cm.id, cm.campaign_id, cm.recipient, cm.channel, cm.retries, old.status`;
    const row = rows[0];
    if (!row) return { deliveryIds: [] };
    const event = outboundEvent('message.status', [row.id, 'refused', row.retries], {
      providerMessageId: null, status: 'failed', errorCode: error.code, errorMessage: error.message, campaignId: row.campaign_id, campaignMessageId: row.id, recipient: row.recipient, channel: row.channel, at: now.toISOString(),
    });
    const events = await settle(tx, [{ campaignId: row.campaign_id, from: row.status, to: 'failed' }], [event]);
    return { deliveryIds: await writeDeliveries(tx, events) };
  });
}

/**
 * The sweeper's step: takes up to `limit` messages that are due and have no send job yet, hands
 * them to `enqueue` (which adds their jobs), then marks them `enqueued`, in one transaction. Rows
 * are taken with SKIP LOCKED, so replicas sweeping at once share the work; a crash between the
 * add and the commit leaves them `pending`, and the next sweep adds the same job ids again (a
 * no-op in BullMQ). Returns how many were handed over.
 */
export async function takeDueSends(db: Db, limit: number, enqueue: (sends: { id: string; retries: number }[]) => Promise<void>): Promise<number> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; retries: number }[]>`
      SELECT id, retries FROM campaign_messages
      WHERE send_state = 'pending' AND next_send_at <= now()
      ORDER BY next_send_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return 0;
    await enqueue(rows);
    await tx.$executeRaw`UPDATE campaign_messages SET send_state = 'enqueued' WHERE id = ANY(${rows.map((r) => r.id)}::uuid[])`;
    return rows.length;
  }, { timeout: 30_000 });
}
