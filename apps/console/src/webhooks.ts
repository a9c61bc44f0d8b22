import { randomBytes } from 'node:crypto';
import { newId, type Db, type WebhookEndpoint } from '@switchboard/db';
import { generateWebhookSecret } from '@switchboard/outbound';
import { ensureJob, type JobInput } from '@switchboard/queues';
import type { Queue } from 'bullmq';
import { afterCursor, toPage, type Cursor, type Page } from './pagination.ts';

/** The endpoint the seed's single-subscriber config routes read and write. */
export const DEFAULT_ENDPOINT_ID = 'default';

/** How long a rotated-out secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export type DeliveryQueue = Queue<JobInput<'delivery'>>;

/** An endpoint as the console shows it: never its secrets. */
export function endpointView(e: WebhookEndpoint, now = new Date()) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    environment: e.environment,
    has_secret: e.secret.length > 0,
    /** Until when the previous secret still signs (during a rotation), else null. */
    previousSecretExpiresAt: e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now ? e.previousSecretExpiresAt.toISOString() : null,
    failingSince: e.failingSince?.toISOString() ?? null,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    disabledReason: e.disabledReason,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
export type EndpointView = ReturnType<typeof endpointView>;

/** The seed-compatible view of the default endpoint. */
export type ConfigView = { enabled: boolean; url: string | null; environment: string; has_secret: boolean };

export async function getConfig(db: Db): Promise<ConfigView> {
  const e = await db.webhookEndpoint.findFirst({ where: { id: DEFAULT_ENDPOINT_ID, deletedAt: null } });
  return e ? { enabled: e.enabled, url: e.url, environment: e.environment, has_secret: e.secret.length > 0 } : { enabled: false, url: null, environment: 'development', has_secret: false };
}

/**
 * The seed's `POST /api/webhook/config`: creates or updates the default endpoint. A secret left
 * out keeps the current one (or a generated one for a new endpoint). Undefined when a new
 * endpoint would have no URL.
 */
export async function setConfig(db: Db, input: { enabled?: boolean | undefined; url?: string | undefined; secret?: string | undefined; environment?: string | undefined }): Promise<ConfigView | undefined> {
  const existing = await db.webhookEndpoint.findUnique({ where: { id: DEFAULT_ENDPOINT_ID } });
  if (!existing?.url && !input.url) return undefined;
  const enabling = input.enabled === true && existing !== null && !existing.enabled;
  const data = {
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    ...(input.environment !== undefined ? { environment: input.environment } : {}),
    ...(input.secret !== undefined ? { secret: input.secret, previousSecret: null, previousSecretExpiresAt: null } : {}),
    ...(enabling ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
  };
  if (existing) {
    await db.webhookEndpoint.update({ where: { id: DEFAULT_ENDPOINT_ID }, data: { ...data, deletedAt: null } });
  } else {
    await db.webhookEndpoint.create({
      data: { id: DEFAULT_ENDPOINT_ID, url: input.url!, enabled: input.enabled ?? false, environment: input.environment ?? 'development', secret: input.secret ?? generateWebhookSecret(), eventTypes: [], description: 'seed subscriber' },
    });
  }
  return getConfig(db);
}

export function generateEndpointId(): string {
  return `ep_${randomBytes(12).toString('base64url')}`;
}

export async function listEndpoints(db: Db, filter: { limit: number; cursor?: Cursor | undefined }): Promise<Page<EndpointView>> {
  const rows = await db.webhookEndpoint.findMany({
    where: { AND: [{ deletedAt: null }, afterCursor('createdAt', filter.cursor)] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
  });
  const now = new Date();
  return toPage(rows, filter.limit, (r) => r.createdAt, (r) => endpointView(r, now));
}

export async function getEndpoint(db: Db, id: string): Promise<WebhookEndpoint | null> {
  return db.webhookEndpoint.findFirst({ where: { id, deletedAt: null } });
}

export type EndpointInput = { url: string; description?: string | undefined; eventTypes?: string[] | undefined; enabled?: boolean | undefined; environment?: string | undefined; secret?: string | undefined };

/** Creates an endpoint; the answer is the only place its secret is shown. */
export async function createEndpoint(db: Db, input: EndpointInput): Promise<EndpointView & { secret: string }> {
  const secret = input.secret ?? generateWebhookSecret();
  const row = await db.webhookEndpoint.create({
    data: {
      id: generateEndpointId(),
      url: input.url,
      description: input.description ?? '',
      eventTypes: input.eventTypes ?? [],
      enabled: input.enabled ?? true,
      environment: input.environment ?? 'development',
      secret,
    },
  });
  return { ...endpointView(row), secret };
}

/** Updates an endpoint; enabling one the dispatcher disabled clears its failure record. */
export async function updateEndpoint(db: Db, id: string, patch: Partial<Omit<EndpointInput, 'secret'>>): Promise<EndpointView | undefined> {
  const existing = await getEndpoint(db, id);
  if (!existing) return undefined;
  const enabling = patch.enabled === true && !existing.enabled;
  const row = await db.webhookEndpoint.update({
    where: { id },
    data: {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes } : {}),
      ...(patch.environment !== undefined ? { environment: patch.environment } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(enabling ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
      ...(patch.enabled === false && existing.enabled ? { disabledAt: new Date(), disabledReason: null } : {}),
    },
  });
  return endpointView(row);
}

/** Soft delete: its deliveries and attempts stay listed; nothing more is written or sent to it. */
export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  const { count } = await db.webhookEndpoint.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date(), enabled: false } });
  return count === 1;
}

/**
 * Rotates an endpoint's secret: the new one signs from now on, the old one keeps signing beside
 * it for 24 h (both signatures in `webhook-signature`, as Standard Webhooks allows), so the
 * receiver can switch at its pace.
 */
export async function rotateSecret(db: Db, id: string, secret: string | undefined, now = new Date()): Promise<{ id: string; secret: string; previousSecretExpiresAt: string } | undefined> {
  const existing = await getEndpoint(db, id);
  if (!existing) return undefined;
  const next = secret ?? generateWebhookSecret();
  const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS);
  await db.webhookEndpoint.update({ where: { id }, data: { secret: next, previousSecret: existing.secret, previousSecretExpiresAt: expires } });
  return { id, secret: next, previousSecretExpiresAt: expires.toISOString() };
}

/** Makes the next attempt of `deliveryId` run now (its job added, re-added or promoted). */
async function requeue(queue: DeliveryQueue, deliveryId: string, attempts: number): Promise<void> {
  await ensureJob(queue, 'delivery', { deliveryId, attempt: attempts + 1 }, { promote: true });
}

/** Resends one delivery now, whatever its state (a delivered one is sent again, with the same webhook-id). */
export async function retryDelivery(db: Db, queue: DeliveryQueue, id: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ attempts: number }[]>`
    UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() WHERE id = ${id}::uuid RETURNING attempts`;
  if (rows.length === 0) return false;
  await requeue(queue, id, rows[0]!.attempts);
  return true;
}

/** Resends every failed delivery of an endpoint created since `since` (after an outage, or once it is re-enabled). */
export async function recoverEndpoint(db: Db, queue: DeliveryQueue, id: string, since: Date): Promise<number | undefined> {
  if (!(await getEndpoint(db, id))) return undefined;
  const rows = await db.$queryRaw<{ id: string; attempts: number }[]>`
    UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
    WHERE endpoint_id = ${id} AND status = 'failed' AND created_at >= ${since} RETURNING id, attempts`;
  for (let i = 0; i < rows.length; i += 100) await Promise.all(rows.slice(i, i + 100).map((r) => requeue(queue, r.id, r.attempts)));
  return rows.length;
}

/** A test event to one endpoint (the default one unless named), sent like any other delivery. */
export async function sendTest(db: Db, queue: DeliveryQueue, endpointId: string): Promise<{ deliveryId: string } | 'unknown' | 'disabled'> {
  const endpoint = await getEndpoint(db, endpointId);
  if (!endpoint) return 'unknown';
  if (!endpoint.enabled) return 'disabled';
  const id = newId();
  const timestamp = new Date().toISOString();
  await db.webhookDelivery.create({
    data: { id, endpointId, eventKey: `webhook.test:${id}`, type: 'webhook.test', payload: { type: 'webhook.test', timestamp, data: { endpointId, message: 'Switchboard test event' } } },
  });
  await requeue(queue, id, 0);
  return { deliveryId: id };
}

export type DeliveryFilter = { endpoint?: string | undefined; status?: string | undefined; type?: string | undefined; since?: Date | undefined; limit: number; cursor?: Cursor | undefined };

export async function listDeliveries(db: Db, f: DeliveryFilter) {
  const rows = await db.webhookDelivery.findMany({
    where: {
      AND: [
        f.endpoint ? { endpointId: f.endpoint } : {},
        f.status ? { status: f.status } : {},
        f.type ? { type: f.type } : {},
        f.since ? { createdAt: { gte: f.since } } : {},
        afterCursor('createdAt', f.cursor),
      ],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: f.limit + 1,
    select: { id: true, endpointId: true, eventKey: true, type: true, status: true, attempts: true, nextAttemptAt: true, deliveredAt: true, lastError: true, createdAt: true },
  });
  return toPage(rows, f.limit, (r) => r.createdAt, deliveryView);
}

function deliveryView(r: { id: string; endpointId: string; eventKey: string; type: string; status: string; attempts: number; nextAttemptAt: Date; deliveredAt: Date | null; lastError: string | null; createdAt: Date }) {
  return {
    id: r.id,
    endpointId: r.endpointId,
    eventKey: r.eventKey,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
  };
}

/** One delivery with its payload and every attempt, oldest first. */
export async function getDelivery(db: Db, id: string) {
  const row = await db.webhookDelivery.findUnique({ where: { id }, include: { attemptLog: { orderBy: { attempt: 'asc' } } } });
  if (!row) return undefined;
  return {
    ...deliveryView(row),
    payload: row.payload,
    attemptLog: row.attemptLog.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      url: a.url,
      responseStatus: a.responseStatus,
      durationMs: a.durationMs,
      responseBody: a.responseBody,
      error: a.error,
    })),
  };
}
