import type { Db } from './client.ts';
import type { Sql } from './sql.ts';
import { newId } from './ids.ts';
import { optOutKey } from './opt-out.ts';

/**
 * One opt-out or opt-in, with what caused it. Whoever records consent (the interpreter for a
 * STOP, the console for an operator, a provider's unsubscribe event) goes through
 * {@link recordConsentChanges}, so the contact's state and the ledger never disagree.
 */
export type ConsentChange = {
  /** The contact's address as `contacts` keys it (E.164 without `whatsapp:`, the email, the bridge author). */
  address: string;
  /** Known already (the interpreter upserted it); otherwise the contact is created or found by address. */
  contactId?: string;
  channel: string;
  action: 'opt_out' | 'opt_in';
  /** When the person expressed it; the contact's state follows the newest. */
  at: Date;
  cause: 'message' | 'operator' | 'provider';
  messageId?: string | null;
  actor?: string | null;
  wording?: string | null;
  decidedBy: string;
  /** Unique per cause (`message:<id>`, `operator:<uuid>`, `mailgun:<event id>`): a repeat adds nothing. */
  sourceKey: string;
};

/** A ledger entry as the console shows it. */
export type ConsentEntry = {
  id: string;
  address: string;
  channel: string;
  action: string;
  occurredAt: Date;
  recordedAt: Date;
  cause: string;
  messageId: string | null;
  actor: string | null;
  wording: string | null;
  decidedBy: string;
};

function kindOf(address: string): string {
  return address.includes('@') ? 'email' : address.startsWith('+') ? 'phone' : 'bridge';
}

/**
 * Applies opt-outs and opt-ins in the caller's transaction: each is appended to the consent
 * ledger (once per `sourceKey`), and each contact takes the state of its newest change, unless
 * the state it has was set by something newer (a replayed old STOP after a START changes
 * nothing, though it stays in the ledger once, as it happened).
 */
export async function recordConsentChanges(tx: Sql, changes: readonly ConsentChange[]): Promise<void> {
  if (changes.length === 0) return;
  const ids = new Map<string, string>();
  const unknown = [...new Set(changes.filter((c) => !c.contactId).map((c) => c.address))].sort();
  if (unknown.length > 0) {
    // Address order: concurrent transactions lock contacts in the same order, never deadlock.
    const rows = await tx.$queryRaw<{ id: string; address: string }[]>`
      INSERT INTO contacts (id, address, kind)
      SELECT * FROM UNNEST(${unknown.map(() => newId())}::uuid[], ${unknown}::text[], ${unknown.map(kindOf)}::text[])
      ON CONFLICT (address) DO UPDATE SET updated_at = now()
      RETURNING id, address`;
    for (const r of rows) ids.set(r.address, r.id);
  }
  const newest = new Map<string, { optedOut: boolean; at: Date }>();
  for (const change of changes) {
    const contactId = change.contactId ?? ids.get(change.address)!;
    const prev = newest.get(contactId);
    if (!prev || prev.at.getTime() < change.at.getTime()) newest.set(contactId, { optedOut: change.action === 'opt_out', at: change.at });
  }
  const contactIds = [...newest.keys()].sort();
  await tx.$executeRaw`
    UPDATE contacts c SET opted_out = u.opted_out,
      opted_out_at = CASE WHEN u.opted_out THEN u.at ELSE c.opted_out_at END,
      opted_in_at = CASE WHEN u.opted_out THEN c.opted_in_at ELSE u.at END,
      opt_changed_at = u.at, updated_at = now()
    FROM UNNEST(${contactIds}::uuid[], ${contactIds.map((id) => newest.get(id)!.optedOut)}::bool[], ${contactIds.map((id) => newest.get(id)!.at)}::timestamptz[]) AS u(id, opted_out, at)
    WHERE c.id = u.id AND (c.opt_changed_at IS NULL OR c.opt_changed_at < u.at)`;
  // NOT EXISTS rather than ON CONFLICT, which Postgres refuses on a table with rules (the ledger's
  // append-only guard). Two transactions adding the same entry at once: one fails on the unique
  // key and its job runs again, finding the entry.
  await tx.$executeRaw`
    INSERT INTO consent_events (id, address, channel, action, occurred_at, cause, message_id, actor, wording, decided_by, source_key)
    SELECT * FROM UNNEST(
      ${changes.map(() => newId())}::uuid[], ${changes.map((c) => c.address)}::text[], ${changes.map((c) => c.channel)}::text[],
      ${changes.map((c) => c.action)}::text[], ${changes.map((c) => c.at)}::timestamptz[], ${changes.map((c) => c.cause)}::text[],
      ${changes.map((c) => c.messageId ?? null)}::uuid[], ${changes.map((c) => c.actor ?? null)}::text[], ${changes.map((c) => c.wording ?? null)}::text[],
      ${changes.map((c) => c.decidedBy)}::text[], ${changes.map((c) => c.sourceKey)}::text[]) AS u(id, address, channel, action, occurred_at, cause, message_id, actor, wording, decided_by, source_key)
    WHERE NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.source_key = u.source_key)`;
}

type LedgerRow = {
  id: string; address: string; channel: string; action: string; occurred_at: Date; recorded_at: Date;
  cause: string; message_id: string | null; actor: string | null; wording: string | null; decided_by: string;
};

function toEntry(r: LedgerRow): ConsentEntry {
  return {
    id: r.id, address: r.address, channel: r.channel, action: r.action, occurredAt: r.occurred_at, recordedAt: r.recorded_at,
    cause: r.cause, messageId: r.message_id, actor: r.actor, wording: r.wording, decidedBy: r.decided_by,
  };
}

/** The ledger of one contact, oldest first (its history reads in order). Emails match case-insensitively. */
export async function consentHistory(db: Db, address: string): Promise<ConsentEntry[]> {
  const key = optOutKey(address);
  const rows = key.includes('@')
    ? await db.$queryRaw<LedgerRow[]>`SELECT * FROM consent_events WHERE lower(address) = ${key} ORDER BY occurred_at, recorded_at, id`
    : await db.$queryRaw<LedgerRow[]>`SELECT * FROM consent_events WHERE address = ${key} ORDER BY occurred_at, recorded_at, id`;
  return rows.map(toEntry);
}

/**
 * The ledger recorded since `since`, in recording order, `pageSize` rows at a time by keyset
 * (an export of millions of rows never holds more than a page).
 */
export async function* consentLedgerPages(db: Db, since: Date, pageSize = 1_000): AsyncGenerator<ConsentEntry[]> {
  let after: { at: Date; id: string } | undefined;
  for (;;) {
    const rows = after
      ? await db.$queryRaw<LedgerRow[]>`
          SELECT * FROM consent_events WHERE recorded_at >= ${since} AND (recorded_at, id) > (${after.at}, ${after.id}::uuid)
          ORDER BY recorded_at, id LIMIT ${pageSize}`
      : await db.$queryRaw<LedgerRow[]>`SELECT * FROM consent_events WHERE recorded_at >= ${since} ORDER BY recorded_at, id LIMIT ${pageSize}`;
    if (rows.length === 0) return;
    yield rows.map(toEntry);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.recorded_at, id: last.id };
  }
}
