import type { Db, DbTx } from './client.ts';
import { newId } from './ids.ts';

/** An outbound event to announce: one delivery per `eventKey`, however often its effect is replayed. */
export type OutboundEvent = {
  /** `message.received:<messageId>`, `message.status:<sid>:<status>`, … (webhook_deliveries.event_key). */
  eventKey: string;
  type: string;
  data: unknown;
};

/** The queue the dispatcher reads, as far as the outbox needs it (a BullMQ `Queue` fits). */
export type DeliveryQueue = {
  addBulk(jobs: { name: string; data: { deliveryId: string }; opts: { jobId: string } }[]): Promise<unknown>;
};

/** The dispatcher's job name for a webhook delivery (`jobs.delivery.name` in @switchboard/queues). */
export const DELIVERY_JOB_NAME = 'webhook';

/** True when the business's webhook subscriber ('default') is enabled: only then are deliveries written. */
export async function subscriberEnabled(tx: DbTx | Db): Promise<boolean> {
  const rows = await tx.$queryRaw<{ enabled: boolean }[]>`SELECT enabled FROM webhook_subscribers WHERE id = 'default'`;
  return rows[0]?.enabled === true;
}

/**
 * Writes the deliveries of `events` in the caller's transaction (the outbox), if the subscriber
 * is enabled. The body is the contract's `{type, timestamp, data}`. Returns the ids of the rows
 * this call created: an event key delivered before adds nothing.
 */
export async function writeDeliveries(tx: DbTx, events: OutboundEvent[], enabled?: boolean): Promise<string[]> {
  if (events.length === 0) return [];
  if (!(enabled ?? (await subscriberEnabled(tx)))) return [];
  const timestamp = new Date().toISOString();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_deliveries (id, event_key, type, payload)
    SELECT * FROM UNNEST(${events.map(() => newId())}::uuid[], ${events.map((e) => e.eventKey)}::text[], ${events.map((e) => e.type)}::text[],
      ${events.map((e) => JSON.stringify({ type: e.type, timestamp, data: e.data }))}::jsonb[])
    ON CONFLICT (event_key) DO NOTHING
    RETURNING id`;
  return rows.map((r) => r.id);
}

/** Adds one dispatcher job per delivery id; the job id is the delivery id, so adding twice is harmless. */
export async function enqueueDeliveries(queue: DeliveryQueue, deliveryIds: string[], jobName = DELIVERY_JOB_NAME): Promise<void> {
  if (deliveryIds.length === 0) return;
  await queue.addBulk(deliveryIds.map((deliveryId) => ({ name: jobName, data: { deliveryId }, opts: { jobId: deliveryId } })));
}

export type SweepOptions = {
  /** Only rows at least this old: younger ones are still being enqueued by the transaction's own worker. */
  olderThanMs?: number;
  /** At most this many per sweep. */
  limit?: number;
  jobName?: string;
};

/**
 * The outbox sweeper: re-adds the job of every pending delivery never attempted and older than a
 * few seconds, in case a worker died between its commit and its enqueue. A job still known to
 * BullMQ (waiting, active or kept after completion) makes the add a no-op, so a sweep is
 * harmless; rows already attempted are the dispatcher's to reschedule. Returns how many were added.
 */
export async function enqueuePendingDeliveries(db: Db, queue: DeliveryQueue, options: SweepOptions = {}): Promise<number> {
  const olderThan = new Date(Date.now() - (options.olderThanMs ?? 5_000));
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND attempts = 0 AND created_at < ${olderThan}
    ORDER BY created_at LIMIT ${options.limit ?? 500}`;
  await enqueueDeliveries(queue, rows.map((r) => r.id), options.jobName);
  return rows.length;
}
