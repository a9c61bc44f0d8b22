import type { Db } from './client.ts';
import type { Sql } from './sql.ts';
import { newId } from './ids.ts';

import type { OutboundEvent } from '@switchboard/domain';
import type { JobQueue } from '@switchboard/queues';

/** The queue the dispatcher reads, as far as the outbox needs it (a BullMQ `Queue` fits). */
export type DeliveryQueue = JobQueue<'delivery'>;

/** True when at least one endpoint is enabled: only then are deliveries written. */
export async function anyEndpointEnabled(tx: Sql): Promise<boolean> {
  const rows = await tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one FROM webhook_endpoints WHERE enabled AND deleted_at IS NULL LIMIT 1`;
  return rows.length > 0;
}

/**
 * Writes the deliveries of `events` in the caller's transaction (the outbox): one per event and
 * enabled endpoint that wants its type (an endpoint with no types wants them all). The body is
 * the contract's `{type, timestamp, data}`. Returns the ids of the rows this call created: an
 * event key delivered before to an endpoint adds nothing for it.
 */
export async function writeDeliveries(tx: Sql, events: OutboundEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const endpoints = await tx.$queryRaw<{ id: string; event_types: string[] }[]>`
    SELECT id, event_types FROM webhook_endpoints WHERE enabled AND deleted_at IS NULL ORDER BY id`;
  if (endpoints.length === 0) return [];
  const timestamp = new Date().toISOString();
  const rows: { id: string; endpointId: string; eventKey: string; type: string; payload: string }[] = [];
  for (const event of events) {
    const payload = JSON.stringify({ type: event.type, timestamp, data: event.data });
    for (const endpoint of endpoints) {
      if (endpoint.event_types.length > 0 && !endpoint.event_types.includes(event.type)) continue;
      rows.push({ id: newId(), endpointId: endpoint.id, eventKey: event.eventKey, type: event.type, payload });
    }
  }
  if (rows.length === 0) return [];
  const created = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_deliveries (id, endpoint_id, event_key, type, payload)
    SELECT * FROM UNNEST(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.endpointId)}::text[], ${rows.map((r) => r.eventKey)}::text[],
      ${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.payload)}::jsonb[])
    ON CONFLICT (event_key, endpoint_id) DO NOTHING
    RETURNING id`;
  return created.map((r) => r.id);
}

/** A pending delivery whose attempt is due, as the sweeper pages through them. */
export type DueDelivery = { id: string; attempts: number; nextAttemptAt: Date };

/**
 * One page of pending deliveries due before `dueBefore`, in (next_attempt_at, id) order after
 * `after` (keyset paging: a backlog of any size is walked once, page by page, instead of the
 * same first rows again and again).
 */
export async function dueDeliveries(db: Db, options: { dueBefore: Date; after?: { at: Date; id: string }; limit: number }): Promise<DueDelivery[]> {
  const after = options.after;
  const rows = after
    ? await db.$queryRaw<{ id: string; attempts: number; next_attempt_at: Date }[]>`
        SELECT id, attempts, next_attempt_at FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at < ${options.dueBefore} AND (next_attempt_at, id) > (${after.at}, ${after.id}::uuid)
        ORDER BY next_attempt_at, id LIMIT ${options.limit}`
    : await db.$queryRaw<{ id: string; attempts: number; next_attempt_at: Date }[]>`
        SELECT id, attempts, next_attempt_at FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at < ${options.dueBefore}
        ORDER BY next_attempt_at, id LIMIT ${options.limit}`;
  return rows.map((r) => ({ id: r.id, attempts: r.attempts, nextAttemptAt: r.next_attempt_at }));
}
