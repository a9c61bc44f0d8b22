import type { RawEventPayload } from '@switchboard/events';
import { poolOf, type Db } from './client.ts';
import type { Prisma } from './generated/client.ts';
import { newId } from './ids.ts';
import { sqlOn } from './sql.ts';

/**
 * Stores a raw event once per (provider, dedup key) and returns its id, whether this call stored
 * it or an earlier delivery did.
 */
export async function storeRawEvent(db: Db, event: RawEventPayload): Promise<{ id: string; created: boolean }> {
  const ids = await storeRawEvents(db, [event]);
  return ids[0]!;
}

/**
 * Stores many raw events in one statement (the listener batches), in order. Each gets the id of
 * its row: new, or the one an earlier delivery of the same key created.
 */
export async function storeRawEvents(db: Db, events: RawEventPayload[]): Promise<{ id: string; created: boolean }[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({ ...e, id: newId() }));
  // Through pg directly (the listener's hot path): the same statements without Prisma's per-statement cost.
  const sql = sqlOn(poolOf(db));
  const inserted = await sql.$queryRaw<{ id: string; provider: string; dedup_key: string }[]>`
    INSERT INTO raw_events (id, provider, dedup_key, route, url, source_id, received_at, remote_ip, content_type, headers, body, body_encoding, attachments, item)
    SELECT * FROM UNNEST(
      ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.provider)}::text[], ${rows.map((r) => r.dedupKey)}::text[],
      ${rows.map((r) => r.route)}::text[], ${rows.map((r) => r.url)}::text[], ${rows.map((r) => r.sourceId ?? null)}::text[],
      ${rows.map((r) => r.receivedAt)}::timestamptz[], ${rows.map((r) => r.remoteIp ?? null)}::text[], ${rows.map((r) => r.contentType ?? null)}::text[],
      ${rows.map((r) => JSON.stringify(r.headers))}::jsonb[], ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.bodyEncoding)}::text[],
      ${rows.map((r) => (r.attachments ? JSON.stringify(r.attachments) : null))}::jsonb[],
      ${rows.map((r) => (r.item ? JSON.stringify(r.item) : null))}::jsonb[]
    )
    ON CONFLICT (provider, dedup_key) DO NOTHING
    RETURNING id, provider, dedup_key`;
  const key = (provider: string, dedupKey: string) => `${provider}\u0000${dedupKey}`;
  const created = new Map(inserted.map((r) => [key(r.provider, r.dedup_key), r.id]));
  const missing = rows.filter((r) => !created.has(key(r.provider, r.dedupKey)));
  const existing = new Map<string, string>();
  if (missing.length > 0) {
    const found = await sql.$queryRaw<{ id: string; provider: string; dedup_key: string }[]>`
      SELECT id, provider, dedup_key FROM raw_events
      WHERE (provider, dedup_key) IN (SELECT * FROM UNNEST(${missing.map((r) => r.provider)}::text[], ${missing.map((r) => r.dedupKey)}::text[]))`;
    for (const f of found) existing.set(key(f.provider, f.dedup_key), f.id);
  }
  // A key repeated inside one batch: the first occurrence created the row, the later ones found it.
  const seen = new Set<string>();
  return rows.map((r) => {
    const k = key(r.provider, r.dedupKey);
    const id = created.get(k) ?? existing.get(k);
    if (!id) throw new Error(`raw event ${r.provider}/${r.dedupKey} was neither inserted nor found`);
    const first = created.has(k) && !seen.has(k);
    seen.add(k);
    return { id, created: first };
  });
}

/** A stored raw event as the inbound queue's payload, for a replay. */
export function rawEventToPayload(row: Prisma.RawEventGetPayload<object>): RawEventPayload {
  return {
    provider: row.provider as RawEventPayload['provider'],
    dedupKey: row.dedupKey,
    route: row.route,
    url: row.url,
    sourceId: row.sourceId ?? undefined,
    receivedAt: row.receivedAt.toISOString(),
    remoteIp: row.remoteIp ?? undefined,
    contentType: row.contentType ?? undefined,
    headers: row.headers as Record<string, string>,
    body: row.body,
    bodyEncoding: row.bodyEncoding as RawEventPayload['bodyEncoding'],
    attachments: (row.attachments as RawEventPayload['attachments']) ?? undefined,
    item: (row.item as RawEventPayload['item']) ?? undefined,
    eventId: row.id,
  };
}
