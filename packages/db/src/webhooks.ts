import type { Db } from './client.ts';
import { newId } from './ids.ts';

/** A delivery with what its attempt needs of its endpoint. */
export type DeliveryToSend = {
  id: string;
  status: string;
  attempts: number;
  type: string;
  payload: { type: string; timestamp: string; data: unknown };
  endpoint: {
    id: string;
    url: string;
    environment: string;
    secret: string;
    previousSecret: string | null;
    previousSecretExpiresAt: Date | null;
    /** False when disabled or deleted. */
    active: boolean;
  };
};

export async function loadDelivery(db: Db, id: string): Promise<DeliveryToSend | undefined> {
  const rows = await db.$queryRaw<
    { id: string; status: string; attempts: number; type: string; payload: DeliveryToSend['payload']; endpoint_id: string; url: string; environment: string; secret: string; previous_secret: string | null; previous_secret_expires_at: Date | null; active: boolean }[]
  >`
    SELECT d.id, d.status, d.attempts, d.type, d.payload, e.id AS endpoint_id, e.url, e.environment, e.secret, e.previous_secret,
      e.previous_secret_expires_at, (e.enabled AND e.deleted_at IS NULL) AS active
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ${id}::uuid`;
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    status: r.status,
    attempts: r.attempts,
    type: r.type,
    payload: r.payload,
    endpoint: { id: r.endpoint_id, url: r.url, environment: r.environment, secret: r.secret, previousSecret: r.previous_secret, previousSecretExpiresAt: r.previous_secret_expires_at, active: r.active },
  };
}

/**
 * Claims attempt `attempt` of a pending delivery before its request is sent: only one job wins it
 * (a stale or repeated job finds the count moved on). Its due time becomes `leaseUntil`, so a
 * dispatcher that dies mid-request leaves a delivery the sweeper retries once the lease lapses.
 */
export async function claimAttempt(db: Db, id: string, attempt: number, leaseUntil: Date): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ${leaseUntil}
    WHERE id = ${id}::uuid AND status = 'pending' AND attempts = ${attempt - 1}`;
  return n === 1;
}

/** A delivery that cannot be sent because its endpoint was disabled or deleted. */
export async function abandonDelivery(db: Db, id: string, reason: string): Promise<void> {
  await db.$executeRaw`UPDATE webhook_deliveries SET status = 'failed', last_error = ${reason} WHERE id = ${id}::uuid AND status = 'pending'`;
}

export type AttemptRecord = {
  deliveryId: string;
  endpointId: string;
  attempt: number;
  url: string;
  at: Date;
  status?: number | undefined;
  body?: string | undefined;
  error?: string | undefined;
  durationMs: number;
  /** What the attempt decided for the delivery. */
  outcome: { kind: 'delivered' } | { kind: 'retry'; at: Date } | { kind: 'failed' };
  /** Disable the endpoint: 410 Gone, or failing for too long (checked in the same transaction). */
  disableEndpoint?: 'gone';
  /** An endpoint failing every attempt since at least this time is disabled ('failing'). */
  failingCutoff: Date;
};

/**
 * Records an attempt and its consequences in one transaction: the attempt row, the delivery's
 * state, and the endpoint's health (failing since when; disabled on 410 or after failing since
 * before `failingCutoff`). Returns why the endpoint was disabled by this attempt, if it was.
 */
export async function recordAttempt(db: Db, r: AttemptRecord): Promise<{ disabled?: 'gone' | 'failing' }> {
  if (r.outcome.kind === 'delivered') {
    // The hot path in one statement (one round trip, atomic): the attempt, the delivery, the endpoint's health.
    await db.$executeRaw`
      WITH attempt AS (
        INSERT INTO webhook_attempts (id, delivery_id, attempt, url, response_status, response_body, error, duration_ms, at)
        VALUES (${newId()}::uuid, ${r.deliveryId}::uuid, ${r.attempt}, ${r.url}, ${r.status ?? null}, ${r.body ?? null}, ${r.error ?? null}, ${r.durationMs}, ${r.at})
        ON CONFLICT (delivery_id, attempt) DO NOTHING
      ), delivery AS (
        UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ${r.at}, last_error = NULL WHERE id = ${r.deliveryId}::uuid
      )
      UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${r.endpointId} AND failing_since IS NOT NULL`;
    return {};
  }
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO webhook_attempts (id, delivery_id, attempt, url, response_status, response_body, error, duration_ms, at)
      VALUES (${newId()}::uuid, ${r.deliveryId}::uuid, ${r.attempt}, ${r.url}, ${r.status ?? null}, ${r.body ?? null}, ${r.error ?? null}, ${r.durationMs}, ${r.at})
      ON CONFLICT (delivery_id, attempt) DO NOTHING`;
    const lastError = r.error ?? (r.status !== undefined ? `HTTP ${r.status}` : null);
    if (r.outcome.kind === 'retry') {
      await tx.$executeRaw`UPDATE webhook_deliveries SET next_attempt_at = ${r.outcome.at}, last_error = ${lastError} WHERE id = ${r.deliveryId}::uuid AND status = 'pending'`;
    } else {
      await tx.$executeRaw`UPDATE webhook_deliveries SET status = 'failed', last_error = ${lastError} WHERE id = ${r.deliveryId}::uuid`;
    }
    if (r.disableEndpoint === 'gone') {
      const n = await tx.$executeRaw`
        UPDATE webhook_endpoints SET enabled = false, disabled_at = ${r.at}, disabled_reason = 'gone', failing_since = COALESCE(failing_since, ${r.at})
        WHERE id = ${r.endpointId} AND enabled`;
      return n === 1 ? { disabled: 'gone' } : {};
    }
    const rows = await tx.$queryRaw<{ failing_since: Date; enabled: boolean }[]>`
      UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ${r.at}) WHERE id = ${r.endpointId} RETURNING failing_since, enabled`;
    const row = rows[0];
    if (row && row.enabled && row.failing_since <= r.failingCutoff) {
      await tx.$executeRaw`UPDATE webhook_endpoints SET enabled = false, disabled_at = ${r.at}, disabled_reason = 'failing' WHERE id = ${r.endpointId}`;
      return { disabled: 'failing' };
    }
    return {};
  });
}
