import type { MessageToInterpret } from '@switchboard/events';
import { poolOf, type Db } from './client.ts';
import { newId } from './ids.ts';
import { pgTransaction, type Sql } from './sql.ts';
import { recordConsentChanges, type ConsentChange } from './consent.ts';
import { anyEndpointEnabled, writeDeliveries } from './outbox.ts';
import { consentActionOf, contactKind, decidedBy, leadStatusFor, newMessageEvents, requestsCallback, type OutboundEvent } from '@switchboard/domain';

/**
 * What the classifier made of a message. `whenOptedOut`: the label that applies instead when the
 * contact is opted out at that moment (a lone YES: opt_in from an opted-out contact, interested
 * otherwise, INTENTS.md rule 8); resolved here, in the transaction that reads and moves the state.
 */
export type IntentValue = { label: string; confidence: number; classifier: string; whenOptedOut?: string };

/** A normalized inbound message with what the interpreter made of it. */
export type InterpretedMessage = {
  eventId: string;
  message: MessageToInterpret;
  intent: IntentValue;
  /** A replay re-applies the newer interpretation to the stored message. */
  replay: boolean;
};

/** What persisting one message did. */
export type PersistOutcome =
  /** `deliveryIds`: the outbox rows written with it (enqueue them after commit). */
  /** `intent`: the interpretation stored (a contextual label resolved against the contact's state). */
  | { status: 'created'; messageId: string; contactId: string; campaignId: string | null; deliveryIds: string[]; intent: IntentValue }
  /** A replay: the stored message takes the new interpretation; it is not announced again. */
  | { status: 'replayed'; messageId: string; contactId: string; campaignId: string | null; deliveryIds: string[]; intent: IntentValue }
  /** This event's message was stored before (the job ran twice): nothing changes. */
  | { status: 'exists'; messageId: string }
  /** Another raw event already carried this provider message id: nothing changes. */
  | { status: 'duplicate'; messageId: string };

export type PersistOptions = {
  /** How far back a campaign message to the sender attributes a reply to its campaign. */
  attributionWindowMs: number;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Persists a batch of interpreted messages in one transaction: contacts, messages, intents,
 * campaign attribution, opt-out registry, lead status and callback requests. Every write is keyed,
 * so running the same batch twice (a retried job, a replay) changes nothing the second time, and
 * state that depends on order (opt-out, lead status) only moves for a message newer than the one
 * that last set it.
 */
export async function persistInterpretedMessages(db: Db, items: InterpretedMessage[], options: PersistOptions): Promise<PersistOutcome[]> {
  if (items.length === 0) return [];
  // Through pg directly: the same statements in one transaction, without Prisma's per-statement cost.
  return pgTransaction(poolOf(db), async (tx) => {
    const contacts = await upsertContacts(tx, items);
    const campaigns = await attributeCampaigns(tx, items, options.attributionWindowMs);

    const rows = items.map((item, i) => ({
      id: newId(),
      item,
      contactId: contacts.get(item.message.sender)!,
      campaignId: campaigns[i] ?? null,
    }));
    const inserted = await tx.$queryRaw<{ id: string; event_id: string }[]>`
      INSERT INTO messages (id, event_id, source, external_id, sender, recipient, content, received_at, campaign_id, contact_id, extracted)
      SELECT * FROM UNNEST(
        ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.item.eventId)}::uuid[], ${rows.map((r) => r.item.message.source)}::text[],
        ${rows.map((r) => r.item.message.externalId)}::text[], ${rows.map((r) => r.item.message.sender)}::text[],
        ${rows.map((r) => r.item.message.recipient)}::text[], ${rows.map((r) => r.item.message.content)}::text[],
        ${rows.map((r) => r.item.message.receivedAt)}::timestamptz[], ${rows.map((r) => r.campaignId)}::uuid[], ${rows.map((r) => r.contactId)}::uuid[],
        ${rows.map((r) => JSON.stringify(extractedOf(r.item.message)))}::jsonb[]
      )
      ON CONFLICT DO NOTHING
      RETURNING id, event_id`;
    const insertedByEvent = new Map(inserted.map((r) => [r.event_id, r.id]));

    // Not inserted: either this event was stored before (a retry or a replay) or another event carried the same message.
    const leftover = rows.filter((r) => !insertedByEvent.has(r.item.eventId));
    const existing = leftover.length === 0 ? [] : (await tx.$queryRaw<{ id: string; event_id: string; source: string; external_id: string }[]>`
      SELECT id, event_id, source, external_id FROM messages
      WHERE event_id = ANY(${leftover.map((r) => r.item.eventId)}::uuid[])
        OR (source, external_id) IN (SELECT * FROM UNNEST(${leftover.map((r) => r.item.message.source)}::text[], ${leftover.map((r) => r.item.message.externalId)}::text[]))`)
      .map((m) => ({ id: m.id, eventId: m.event_id, source: m.source, externalId: m.external_id }));

    const outcomes: PersistOutcome[] = [];
    const effective: { row: (typeof rows)[number]; messageId: string }[] = [];
    const seenEvents = new Set<string>();
    for (const row of rows) {
      const { eventId, message } = row.item;
      const insertedId = insertedByEvent.get(eventId);
      if (insertedId && !seenEvents.has(eventId)) {
        seenEvents.add(eventId);
        outcomes.push({ status: 'created', messageId: insertedId, contactId: row.contactId, campaignId: row.campaignId, deliveryIds: [], intent: row.item.intent });
        effective.push({ row, messageId: insertedId });
        continue;
      }
      const sameEvent = existing.find((m) => m.eventId === eventId) ?? (insertedId ? { id: insertedId, eventId } : undefined);
      if (sameEvent) {
        if (!row.item.replay) {
          outcomes.push({ status: 'exists', messageId: sameEvent.id });
        } else {
          outcomes.push({ status: 'replayed', messageId: sameEvent.id, contactId: row.contactId, campaignId: row.campaignId, deliveryIds: [], intent: row.item.intent });
          await tx.$executeRaw`
            UPDATE messages SET content = ${message.content}, sender = ${message.sender}, recipient = ${message.recipient},
              campaign_id = ${row.campaignId}::uuid, contact_id = ${row.contactId}::uuid, extracted = ${JSON.stringify(extractedOf(message))}::jsonb,
              updated_at = now()
            WHERE id = ${sameEvent.id}::uuid`;
          effective.push({ row, messageId: sameEvent.id });
        }
        continue;
      }
      const other = existing.find((m) => m.source === message.source && m.externalId === message.externalId);
      outcomes.push({ status: 'duplicate', messageId: other?.id ?? '' });
    }

    if (effective.some((e) => e.row.item.intent.whenOptedOut)) {
      await resolveContextualIntents(tx, effective);
      for (const o of outcomes) {
        if (o.status !== 'created' && o.status !== 'replayed') continue;
        const e = effective.find((x) => x.messageId === o.messageId);
        if (e) o.intent = e.row.item.intent;
      }
    }
    if (effective.length > 0) {
      await tx.$executeRaw`
        INSERT INTO message_intents (message_id, label, confidence, classifier)
        SELECT * FROM UNNEST(${effective.map((e) => e.messageId)}::uuid[], ${effective.map((e) => e.row.item.intent.label)}::text[],
          ${effective.map((e) => e.row.item.intent.confidence)}::float8[], ${effective.map((e) => e.row.item.intent.classifier)}::text[])
        ON CONFLICT (message_id) DO UPDATE SET label = EXCLUDED.label, confidence = EXCLUDED.confidence, classifier = EXCLUDED.classifier, updated_at = now()`;
      await applyContactEffects(tx, effective.map((e) => ({ messageId: e.messageId, contactId: e.row.contactId, item: e.row.item })));
    }
    await announceCreated(tx, outcomes, rows);
    return outcomes;
  });
}

/**
 * Resolves contextual intents (`whenOptedOut`) against the contact's opt-out state at each
 * message: the stored state, then the batch's own opt-outs/opt-ins in time order (a STOP and a
 * YES in one batch: the YES sees the STOP). A replayed message keeps the label its first
 * interpretation stored when that label is one of its two readings: its own opt-in may be what
 * the state shows now. Mutates each row's item so that everything downstream (intent row, contact
 * effects, outbox payload) sees one interpretation.
 */
async function resolveContextualIntents(tx: Sql, effective: { row: { item: InterpretedMessage; contactId: string }; messageId: string }[]): Promise<void> {
  const contactIds = [...new Set(effective.filter((e) => e.row.item.intent.whenOptedOut).map((e) => e.row.contactId))].sort();
  const contacts = await tx.$queryRaw<{ id: string; opted_out: boolean; opt_changed_at: Date | null }[]>`
    SELECT id, opted_out, opt_changed_at FROM contacts WHERE id = ANY(${contactIds}::uuid[])`;
  const state = new Map(contacts.map((c) => [c.id, { optedOut: c.opted_out, at: c.opt_changed_at?.getTime() ?? -Infinity }]));
  const replayIds = effective.filter((e) => e.row.item.replay && e.row.item.intent.whenOptedOut).map((e) => e.messageId);
  const stored = replayIds.length === 0 ? new Map<string, string>() : new Map(
    (await tx.$queryRaw<{ message_id: string; label: string }[]>`SELECT message_id, label FROM message_intents WHERE message_id = ANY(${replayIds}::uuid[])`).map((r) => [r.message_id, r.label]),
  );
  const ordered = [...effective].sort((a, b) => a.row.item.message.receivedAt.localeCompare(b.row.item.message.receivedAt));
  for (const e of ordered) {
    const st = state.get(e.row.contactId);
    if (!st) continue;
    const { whenOptedOut, ...intent } = e.row.item.intent;
    if (whenOptedOut) {
      const before = stored.get(e.messageId);
      const label = before === intent.label || before === whenOptedOut ? before : st.optedOut ? whenOptedOut : intent.label;
      e.row.item = { ...e.row.item, intent: { ...intent, label } };
    }
    const label = e.row.item.intent.label;
    const at = new Date(e.row.item.message.receivedAt).getTime();
    const action = consentActionOf(label);
    if (action && st.at < at) {
      st.optedOut = action === 'opt_out';
      st.at = at;
    }
  }
}

/**
 * The outbox: `message.received` and `message.interpreted` for each new message, in the same
 * transaction, for every enabled endpoint that wants them. Keyed by message id, so a second run or a replay
 * adds nothing.
 */
async function announceCreated(tx: Sql, outcomes: PersistOutcome[], rows: { item: InterpretedMessage; campaignId: string | null }[]): Promise<void> {
  const created = outcomes.flatMap((o, i) => (o.status === 'created' ? [{ outcome: o, row: rows[i]! }] : []));
  if (created.length === 0 || !(await anyEndpointEnabled(tx))) return;
  const events: OutboundEvent[] = [];
  const owner: (typeof created)[number]['outcome'][] = [];
  for (const { outcome, row } of created) {
    const data = messageView(outcome.messageId, row.item, row.campaignId);
    for (const event of newMessageEvents(outcome.messageId, data)) {
      events.push(event);
      owner.push(outcome);
    }
  }
  const ids = await writeDeliveries(tx, events);
  // One delivery per event and endpoint: they line up with events only for a single endpoint
  // wanting every type. Otherwise the first outcome carries them all (its job enqueues them).
  if (ids.length === events.length) ids.forEach((id, i) => owner[i]!.deliveryIds.push(id));
  else created[0]!.outcome.deliveryIds.push(...ids);
}

/** A message as the console shows it (GET /api/messages): the `data` of message events. */
export function messageView(messageId: string, item: InterpretedMessage, campaignId: string | null) {
  const { message, intent } = item;
  return {
    id: messageId,
    source: message.source,
    sender: message.sender,
    recipient: message.recipient,
    content: message.content,
    receivedAt: new Date(message.receivedAt).toISOString(),
    campaignId,
    intent: { label: intent.label, confidence: intent.confidence },
    eventId: item.eventId,
  };
}

function extractedOf(message: MessageToInterpret): Record<string, unknown> {
  return message.email ? { ...message.extractedData, email: message.email } : message.extractedData;
}

/** One row per distinct sender, locked in address order so concurrent batches cannot deadlock. */
async function upsertContacts(tx: Sql, items: InterpretedMessage[]): Promise<Map<string, string>> {
  const latest = new Map<string, { kind: string; at: string }>();
  for (const { message } of items) {
    const seen = latest.get(message.sender);
    if (!seen || seen.at < message.receivedAt) latest.set(message.sender, { kind: contactKind(message.source), at: message.receivedAt });
  }
  const addresses = [...latest.keys()].sort();
  const rows = await tx.$queryRaw<{ id: string; address: string }[]>`
    INSERT INTO contacts (id, address, kind, last_message_at)
    SELECT * FROM UNNEST(${addresses.map(() => newId())}::uuid[], ${addresses}::text[],
      ${addresses.map((a) => latest.get(a)!.kind)}::text[], ${addresses.map((a) => latest.get(a)!.at)}::timestamptz[])
    ON CONFLICT (address) DO UPDATE SET last_message_at = GREATEST(contacts.last_message_at, EXCLUDED.last_message_at), updated_at = now()
    RETURNING id, address`;
  return new Map(rows.map((r) => [r.address, r.id]));
}

/** Message-Ids as an email's In-Reply-To / References list them: `<a@b> <c@d>`, without brackets. */
function threadIds(message: MessageToInterpret): string[] {
  const ids = (v: unknown) => (typeof v === 'string' ? [...v.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!) : []);
  // In-Reply-To is the parent; References runs oldest to newest, so it is read from its end.
  return [...new Set([...ids(message.extractedData.inReplyTo), ...ids(message.extractedData.references).reverse()])].slice(0, 50);
}

/**
 * The campaign an email reply answers, from its In-Reply-To / References: a campaign email's
 * Message-Id is the provider id of its campaign message (this send's, or an earlier send's).
 */
async function campaignsOfThreads(tx: Sql, items: InterpretedMessage[]): Promise<(string | undefined)[]> {
  const ids = items.map((i) => (i.message.source === 'email' ? threadIds(i.message) : []));
  const all = [...new Set(ids.flat())];
  if (all.length === 0) return items.map(() => undefined);
  const rows = await tx.$queryRaw<{ provider_message_id: string | null; previous_message_ids: string[]; campaign_id: string }[]>`
    SELECT provider_message_id, previous_message_ids, campaign_id FROM campaign_messages WHERE provider_message_id = ANY(${all}::text[]) OR previous_message_ids && ${all}::text[]`;
  const byId = new Map<string, string>();
  for (const r of rows) for (const id of [r.provider_message_id, ...r.previous_message_ids]) if (id) byId.set(id, r.campaign_id);
  // The nearest reference wins.
  return ids.map((list) => list.map((id) => byId.get(id)).find((c) => c !== undefined));
}

/**
 * The campaign each message belongs to: the one its webhook URL names, if it exists; for an
 * email, the one whose sent Message-Id its In-Reply-To or References name; else the latest
 * campaign that sent the sender a message within the window before this reply.
 */
async function attributeCampaigns(tx: Sql, items: InterpretedMessage[], windowMs: number): Promise<(string | null)[]> {
  const threads = await campaignsOfThreads(tx, items);
  const rows = await tx.$queryRaw<{ idx: bigint; campaign_id: string | null }[]>`
    SELECT t.idx, COALESCE(c.id, recent.campaign_id) AS campaign_id
    FROM UNNEST(${items.map((i) => i.message.sender)}::text[], ${items.map((i) => i.message.receivedAt)}::timestamptz[],
      ${items.map((i, n) => (i.message.campaignId && UUID.test(i.message.campaignId) ? i.message.campaignId : (threads[n] ?? null)))}::uuid[])
      WITH ORDINALITY AS t(sender, received_at, hinted, idx)
    LEFT JOIN campaigns c ON c.id = t.hinted
    LEFT JOIN LATERAL (
      SELECT cm.campaign_id FROM campaign_messages cm
      WHERE cm.recipient = t.sender AND cm.sent_at IS NOT NULL
        AND cm.sent_at <= t.received_at AND cm.sent_at >= t.received_at - make_interval(secs => ${windowMs / 1000})
      ORDER BY cm.sent_at DESC LIMIT 1
    ) recent ON true
    ORDER BY t.idx`;
  return rows.map((r) => r.campaign_id);
}

/**
 * Opt-out registry, lead status and callback requests. A state change applies only if the message
 * is newer than the one that last changed that state, so replaying an old STOP after a START does
 * not opt the contact out again.
 */
export async function applyContactEffects(tx: Sql, effects: { messageId: string; contactId: string; item: InterpretedMessage }[]): Promise<void> {
  // One statement per kind of effect for the whole batch (not per message): per contact, only its
  // newest message of the batch can win (the WHERE keeps older ones from overriding newer state);
  // on equal times the first wins, as applying them one by one would.
  const ordered = [...effects].sort((a, b) => a.item.message.receivedAt.localeCompare(b.item.message.receivedAt));
  const consent: ConsentChange[] = [];
  const lead = new Map<string, { status: string; at: Date }>();
  const callbacks: { messageId: string; contactId: string; at: Date }[] = [];
  for (const { messageId, contactId, item } of ordered) {
    const at = new Date(item.message.receivedAt);
    const label = item.intent.label;
    const newer = (prev: { at: Date } | undefined) => !prev || prev.at.getTime() < at.getTime();
    const action = consentActionOf(label);
    if (action) {
      const { message, intent } = item;
      consent.push({
        address: message.sender, contactId, channel: message.source, action, at, cause: 'message', messageId,
        wording: message.content, decidedBy: decidedBy(intent.classifier, message.content), sourceKey: `message:${messageId}`,
      });
    }
    const status = leadStatusFor(label);
    if (status && newer(lead.get(contactId))) lead.set(contactId, { status, at });
    if (requestsCallback(label)) callbacks.push({ messageId, contactId, at });
  }
  // The contact's opt state and the consent ledger, through the one function every caller uses.
  await recordConsentChanges(tx, consent);
  if (lead.size > 0) {
    const ids = [...lead.keys()].sort();
    await tx.$executeRaw`
      UPDATE contacts c SET lead_status = u.status, lead_status_at = u.at, updated_at = now()
      FROM UNNEST(${ids}::uuid[], ${ids.map((id) => lead.get(id)!.status)}::text[], ${ids.map((id) => lead.get(id)!.at)}::timestamptz[]) AS u(id, status, at)
      WHERE c.id = u.id AND (c.lead_status_at IS NULL OR c.lead_status_at < u.at)`;
  }
  if (callbacks.length > 0) {
    await tx.$executeRaw`
      INSERT INTO callback_requests (id, message_id, contact_id, requested_at)
      SELECT * FROM UNNEST(${callbacks.map(() => newId())}::uuid[], ${callbacks.map((c) => c.messageId)}::uuid[],
        ${callbacks.map((c) => c.contactId)}::uuid[], ${callbacks.map((c) => c.at)}::timestamptz[])
      ON CONFLICT (message_id) DO NOTHING`;
  }
}
