import { alertDue, alertFailureRate, isRetryableFailure, resendDelayMs } from '@switchboard/campaigns';
import type { StatusUpdate } from '@switchboard/events';
import { poolOf, type Db } from './client.ts';
import { pgTransaction, type Sql } from './sql.ts';
import { newId } from './ids.ts';
import { writeDeliveries } from './outbox.ts';
import { SETTLED_STATUSES, campaignCompletedEvent, campaignStatusOf, counterDeltas, outboundEvent, statusAdvances, type CampaignMessageStatus, type CounterMove, type OutboundEvent } from '@switchboard/domain';

/** A status callback, normalized, with the raw event it came from. */
export type StatusCallback = { eventId: string; update: StatusUpdate };

/** What one callback did. */
export type StatusOutcome = 'applied' | 'unchanged' | 'pending';

/** What a batch of callbacks did. */
export type StatusBatchResult = {
  /** Per callback, in order. `applied`: its campaign message moved; `unchanged`: known message, not a step forward (late or repeated); `pending`: SID not known yet. */
  outcomes: StatusOutcome[];
  /** Delivery rows this batch created: enqueue them after commit. */
  deliveryIds: string[];
};

type CampaignMessageRow = { id: string; campaign_id: string; recipient: string; channel: string; status: string; provider_message_id: string; retries: number };

/**
 * Applies a batch of status callbacks in one transaction: each is recorded in message_statuses
 * (keyed), moves its campaign message forward if it is a step forward, and updates the campaign's
 * counters (old status down, new one up) in the same transaction. A callback for a SID no campaign
 * message carries yet waits in pending_statuses for {@link attachProviderMessageId}. A campaign with no
 * message left to move is marked completed. Running a batch twice changes nothing the second time.
 */
export async function applyStatusCallbacks(db: Db, callbacks: StatusCallback[]): Promise<StatusBatchResult> {
  if (callbacks.length === 0) return { outcomes: [], deliveryIds: [] };
  // Through pg directly (the listener's hot path): the same statements in one transaction, without Prisma's per-statement cost.
  return pgTransaction(poolOf(db), async (tx) => {
    const sids = callbacks.map((c) => c.update.providerMessageId);
    await lockMessageIds(tx, sids);
    await tx.$executeRaw`
      INSERT INTO message_statuses (id, provider_message_id, status, error_code, event_id, received_at)
      SELECT * FROM UNNEST(${callbacks.map(() => newId())}::uuid[], ${sids}::text[], ${callbacks.map((c) => c.update.status)}::text[],
        ${callbacks.map((c) => c.update.errorCode)}::int[], ${callbacks.map((c) => c.eventId)}::uuid[], ${callbacks.map((c) => c.update.receivedAt)}::timestamptz[])
      ON CONFLICT DO NOTHING`;
    const messages = await tx.$queryRaw<CampaignMessageRow[]>`
      SELECT id, campaign_id, recipient, channel, status, provider_message_id, retries FROM campaign_messages
      WHERE provider_message_id = ANY(${[...new Set(sids)]}::text[]) ORDER BY id FOR UPDATE`;
    const bySid = new Map(messages.map((m) => [m.provider_message_id, m]));

    const unknown = callbacks.filter((c) => !bySid.has(c.update.providerMessageId));
    if (unknown.length > 0) {
      await tx.$executeRaw`
        INSERT INTO pending_statuses (id, provider_message_id, status, error_code, event_id, received_at)
        SELECT * FROM UNNEST(${unknown.map(() => newId())}::uuid[], ${unknown.map((c) => c.update.providerMessageId)}::text[],
          ${unknown.map((c) => c.update.status)}::text[], ${unknown.map((c) => c.update.errorCode)}::int[],
          ${unknown.map((c) => c.eventId)}::uuid[], ${unknown.map((c) => c.update.receivedAt)}::timestamptz[])
        ON CONFLICT (provider_message_id, status) DO NOTHING`;
    }
    const known = callbacks.map((c, index) => ({ ...c, index })).filter((c) => bySid.has(c.update.providerMessageId));
    const { applied, deliveryIds } = await advanceCampaignMessages(tx, messages, known.map((c) => ({ key: c.index, update: c.update })));
    const outcomes = callbacks.map((c, i): StatusOutcome => (!bySid.has(c.update.providerMessageId) ? 'pending' : applied.has(i) ? 'applied' : 'unchanged'));
    return { outcomes, deliveryIds };
  });
}

/**
 * Sets the Twilio SID of a campaign message once Twilio's REST API answered, and applies the
 * status callbacks that arrived for it before (pending_statuses), in one transaction. `sentAt`
 * (default now) is recorded as the time the message left, unless one is already set. Calling it
 * again with the same SID changes nothing; a different SID for a message that has one is refused.
 * Returns the ids of the delivery rows created (announce them after commit).
 */
export async function attachProviderMessageId(db: Db, campaignMessageId: string, sid: string, sentAt: Date = new Date()): Promise<{ deliveryIds: string[] }> {
  const { results, deliveryIds } = await attachProviderMessageIds(db, [{ campaignMessageId, sid, sentAt }]);
  if (results[0] === 'conflict') throw new Error(`campaign message ${campaignMessageId} already has another Twilio SID`);
  if (results[0] === 'missing') throw new Error(`no campaign message ${campaignMessageId}`);
  return { deliveryIds };
}

/** One SID to store: see {@link attachProviderMessageIds}. */
export type MessageIdAttachment = { campaignMessageId: string; sid: string; sentAt: Date };

/**
 * {@link attachProviderMessageId} for many messages in one transaction (the dispatcher batches the sends
 * in flight): each is marked sent with its SID, and the callbacks that were waiting for those
 * SIDs are applied. Per item: `attached`, `conflict` (the message has another SID) or `missing`.
 */
export async function attachProviderMessageIds(db: Db, items: MessageIdAttachment[]): Promise<{ results: ('attached' | 'conflict' | 'missing')[]; deliveryIds: string[] }> {
  if (items.length === 0) return { results: [], deliveryIds: [] };
  return db.$transaction(async (tx) => {
    const sids = items.map((i) => i.sid);
    await lockMessageIds(tx, sids);
    const rows = await tx.$queryRaw<CampaignMessageRow[]>`
      UPDATE campaign_messages cm SET provider_message_id = u.sid, sent_at = COALESCE(cm.sent_at, u.sent_at), send_state = 'sent'
      FROM UNNEST(${items.map((i) => i.campaignMessageId)}::uuid[], ${sids}::text[], ${items.map((i) => i.sentAt)}::timestamptz[]) AS u(id, sid, sent_at)
      WHERE cm.id = u.id AND (cm.provider_message_id IS NULL OR cm.provider_message_id = u.sid)
      RETURNING cm.id, cm.campaign_id, cm.recipient, cm.channel, cm.status, cm.provider_message_id, cm.retries`;
    const attached = new Set(rows.map((r) => r.id));
    const missed = items.filter((i) => !attached.has(i.campaignMessageId)).map((i) => i.campaignMessageId);
    const existing = new Set(missed.length === 0 ? [] : (await tx.campaignMessage.findMany({ where: { id: { in: missed } }, select: { id: true } })).map((r) => r.id));
    const results = items.map((i) => (attached.has(i.campaignMessageId) ? 'attached' as const : existing.has(i.campaignMessageId) ? 'conflict' as const : 'missing' as const));
    if (rows.length === 0) return { results, deliveryIds: [] };

    const pending = await tx.$queryRaw<{ provider_message_id: string; status: string; error_code: number | null; received_at: Date }[]>`
      DELETE FROM pending_statuses WHERE provider_message_id = ANY(${rows.map((r) => r.provider_message_id)}::text[]) RETURNING provider_message_id, status, error_code, received_at`;
    if (pending.length === 0) return { results, deliveryIds: [] };
    pending.sort((a, b) => a.received_at.getTime() - b.received_at.getTime());
    const bySid = new Map(rows.map((r) => [r.provider_message_id, r]));
    const updates = pending.map((p, key) => {
      const message = bySid.get(p.provider_message_id)!;
      return {
        key,
        update: {
          kind: 'status' as const, providerMessageId: p.provider_message_id, status: p.status as StatusUpdate['status'], errorCode: p.error_code, errorMessage: null,
          recipient: message.recipient, channel: message.channel === 'whatsapp' ? 'whatsapp' as const : 'sms' as const, receivedAt: p.received_at.toISOString(),
        },
      };
    });
    const { deliveryIds } = await advanceCampaignMessages(tx, rows, updates);
    return { results, deliveryIds };
  });
}

/**
 * Serializes the callbacks of one SID with its attachment: without it a callback could miss a
 * SID being attached and park itself in pending_statuses after they were applied. Locks are
 * taken in a fixed order, so concurrent batches cannot deadlock.
 */
async function lockMessageIds(tx: Sql, sids: string[]): Promise<void> {
  await tx.$queryRaw`SELECT count(pg_advisory_xact_lock(h))::int AS n FROM (SELECT DISTINCT hashtextextended(s, 7) AS h FROM UNNEST(${sids}::text[]) s ORDER BY 1) locks`;
}

/**
 * Folds updates (in arrival order) into the locked campaign messages, writes the messages that
 * moved, the campaigns' counters, `message.status` deliveries and completions.
 */
async function advanceCampaignMessages(
  tx: Sql,
  messages: CampaignMessageRow[],
  updates: { key: number; update: StatusUpdate }[],
): Promise<{ applied: Set<number>; deliveryIds: string[] }> {
  const applied = new Set<number>();
  if (updates.length === 0) return { applied, deliveryIds: [] };
  const bySid = new Map(messages.map((m) => [m.provider_message_id, { row: m, from: m.status, current: m.status, errorCode: null as number | null, errorMessage: null as string | null, at: null as string | null }]));
  const ordered = [...updates].sort((a, b) => a.update.receivedAt.localeCompare(b.update.receivedAt) || a.key - b.key);
  const events: OutboundEvent[] = [];
  for (const { key, update } of ordered) {
    const state = bySid.get(update.providerMessageId);
    if (!state || !statusAdvances(state.current, update.status)) continue;
    const next = campaignStatusOf(update.status)!;
    state.current = next;
    state.errorCode = update.errorCode;
    state.errorMessage = update.errorMessage;
    state.at = update.receivedAt;
    applied.add(key);
    events.push(outboundEvent('message.status', [update.providerMessageId, next], {
      providerMessageId: update.providerMessageId, status: next, errorCode: update.errorCode, errorMessage: update.errorMessage,
      campaignId: state.row.campaign_id, campaignMessageId: state.row.id, recipient: state.row.recipient, channel: state.row.channel, at: update.receivedAt,
    }));
  }
  const moved = [...bySid.values()].filter((s) => s.current !== s.from);
  if (moved.length === 0) return { applied, deliveryIds: [] };

  await tx.$executeRaw`
    UPDATE campaign_messages cm SET status = u.status, error_code = COALESCE(u.error_code, cm.error_code),
      error_message = COALESCE(u.error_message, cm.error_message), status_at = u.at
    FROM UNNEST(${moved.map((s) => s.row.id)}::uuid[], ${moved.map((s) => s.current)}::text[], ${moved.map((s) => s.errorCode)}::int[],
      ${moved.map((s) => s.errorMessage)}::text[], ${moved.map((s) => s.at)}::timestamptz[])
      AS u(id, status, error_code, error_message, at)
    WHERE cm.id = u.id`;

  // A failure that may pass on a second try is sent again, within the campaign's retry budget: the
  // message goes back to queued (the failure was announced above), keeps its error code to show,
  // and its old SID joins previous_message_ids so its history stays readable.
  const settings = await campaignSettings(tx, [...new Set(moved.map((s) => s.row.campaign_id))]);
  const resends = moved.filter((s) => {
    const c = settings.get(s.row.campaign_id);
    // An email's failure reaches us only once Mailgun stopped retrying (a permanent bounce, or its
    // own temporary retries exhausted): sending it again would bounce the same way.
    return c !== undefined && c.status === 'sending' && s.row.channel !== 'email' && isRetryableFailure(s.current, s.errorCode, c.provider) && s.row.retries < c.max_retries;
  });
  if (resends.length > 0) {
    const now = Date.now();
    await tx.$executeRaw`
      UPDATE campaign_messages cm SET status = 'queued', send_state = 'pending', retries = u.retry, next_send_at = u.at, claimed_at = NULL,
        previous_message_ids = array_append(cm.previous_message_ids, cm.provider_message_id), provider_message_id = NULL
      FROM UNNEST(${resends.map((s) => s.row.id)}::uuid[], ${resends.map((s) => s.row.retries + 1)}::int[],
        ${resends.map((s) => new Date(now + resendDelayMs(settings.get(s.row.campaign_id)!.retry_base_ms, s.row.retries + 1)))}::timestamptz[])
        AS u(id, retry, at)
      WHERE cm.id = u.id`;
    for (const s of resends) s.current = 'queued';
  }

  const ids = await moveCounters(tx, moved.map((s) => ({ campaignId: s.row.campaign_id, from: s.from, to: s.current })));
  events.push(...(await completeCampaigns(tx, ids)), ...(await raiseAlerts(tx, ids)));
  const deliveryIds = await writeDeliveries(tx, events);
  return { applied, deliveryIds };
}

type CampaignSettings = { status: string; provider: string; max_retries: number; retry_base_ms: number };

async function campaignSettings(tx: Sql, ids: string[]): Promise<Map<string, CampaignSettings>> {
  const rows = await tx.$queryRaw<(CampaignSettings & { id: string })[]>`
    SELECT id, status, provider, max_retries, retry_base_ms FROM campaigns WHERE id = ANY(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Moves the campaigns' counters in the caller's transaction: the old status down, the new one up
 * (see `counterDeltas`). Every change of a campaign message's status goes through here, in the
 * transaction of the change. Returns the campaigns touched, sorted.
 */
export async function moveCounters(tx: Sql, moves: CounterMove[]): Promise<string[]> {
  const deltas = counterDeltas(moves);
  const ids = [...deltas.keys()].sort();
  if (ids.length === 0) return [...new Set(moves.map((m) => m.campaignId))].sort();
  const col = (k: CampaignMessageStatus) => ids.map((id) => deltas.get(id)![k]);
  await tx.$executeRaw`
    UPDATE campaigns c SET queued = c.queued + d.queued, sending = c.sending + d.sending, sent = c.sent + d.sent,
      delivered = c.delivered + d.delivered, read = c.read + d.read, failed = c.failed + d.failed,
      undelivered = c.undelivered + d.undelivered, skipped = c.skipped + d.skipped, canceled = c.canceled + d.canceled
    FROM UNNEST(${ids}::uuid[], ${col('queued')}::int[], ${col('sending')}::int[], ${col('sent')}::int[], ${col('delivered')}::int[],
      ${col('read')}::int[], ${col('failed')}::int[], ${col('undelivered')}::int[], ${col('skipped')}::int[], ${col('canceled')}::int[])
      AS d(id, queued, sending, sent, delivered, read, failed, undelivered, skipped, canceled)
    WHERE c.id = d.id`;
  return ids;
}

/**
 * Emits `campaign.alert` for each campaign among `ids` whose failure rate has just reached its
 * threshold (see `alertDue`): once per campaign, guarded by `alerted_at`.
 */
export async function raiseAlerts(tx: Sql, ids: string[]): Promise<OutboundEvent[]> {
  if (ids.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: string; alert_failure_rate: number; delivered: number; read: number; failed: number; undelivered: number }[]>`
    SELECT id, alert_failure_rate, delivered, read, failed, undelivered FROM campaigns WHERE id = ANY(${ids}::uuid[]) AND alerted_at IS NULL`;
  const due = rows.filter((r) => alertDue(r, r.alert_failure_rate)).map((r) => r.id);
  if (due.length === 0) return [];
  const alerted = await tx.$queryRaw<{ id: string; name: string; channel: string; total: number; alert_failure_rate: number; delivered: number; read: number; failed: number; undelivered: number; alerted_at: Date }[]>`
    UPDATE campaigns SET alerted_at = now() WHERE id = ANY(${due}::uuid[]) AND alerted_at IS NULL
    RETURNING id, name, channel, total, alert_failure_rate, delivered, read, failed, undelivered, alerted_at`;
  return alerted.map((c) => outboundEvent('campaign.alert', [c.id], {
    id: c.id, name: c.name, channel: c.channel, total: c.total,
    failureRate: alertFailureRate(c), threshold: c.alert_failure_rate,
    decided: c.delivered + c.read + c.failed + c.undelivered, failures: c.failed + c.undelivered,
    alertedAt: c.alerted_at.toISOString(),
  }));
}

/**
 * Marks completed every campaign among `ids` that is being sent and has no message left that can
 * still move (all delivered, read, failed, undelivered or skipped); returns their
 * `campaign.completed` events.
 */
export async function completeCampaigns(tx: Sql, ids: string[]): Promise<OutboundEvent[]> {
  if (ids.length === 0) return [];
  const done = await tx.$queryRaw<{ id: string; name: string; channel: string; total: number; queued: number; sending: number; sent: number; delivered: number; read: number; failed: number; undelivered: number; skipped: number; canceled: number; completed_at: Date }[]>`
    UPDATE campaigns c SET status = 'completed', completed_at = now()
    WHERE c.id = ANY(${ids}::uuid[]) AND c.status = 'sending'
      -- The counters say it cheaply; the messages themselves confirm it.
      AND c.queued + c.sending + c.sent = 0
      AND NOT EXISTS (SELECT 1 FROM campaign_messages cm WHERE cm.campaign_id = c.id AND cm.status <> ALL(${[...SETTLED_STATUSES]}::text[]))
    RETURNING id, name, channel, total, queued, sending, sent, delivered, read, failed, undelivered, skipped, canceled, completed_at`;
  return done.map((c) => campaignCompletedEvent({ ...c, completedAt: c.completed_at }));
}
