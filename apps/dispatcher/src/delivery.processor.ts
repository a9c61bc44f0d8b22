import { abandonDelivery, claimAttempt, loadDelivery, recordAttempt, type Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { nextRetryDelay, parseRetryAfter, signingSecrets, standardWebhookHeaders, type WebhookClient } from '@switchboard/outbound';
import { DelayedError, UnrecoverableError, enqueue, type DeliveryPayload, type JobQueue } from '@switchboard/queues';
import type { Job } from 'bullmq';
import type { EndpointLimiter } from './endpoint-limiter.ts';

/** An endpoint failing every attempt for this long is disabled. */
export const FAILING_DISABLE_MS = 5 * 24 * 3_600_000;

export type DeliveryProcessorDeps = {
  db: Db;
  client: WebhookClient;
  queue: JobQueue<'delivery'>;
  limiter: EndpointLimiter;
  logger: Logger;
  retryBaseMs: number;
  timeoutMs: number;
  userAgent: string;
  now?: () => Date;
  /** Told every attempt's outcome and duration (metrics). */
  onAttempt?: (attempt: { outcome: 'delivered' | 'retry' | 'failed'; durationMs: number; status: number | undefined }) => void;
};

export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'stale' | 'abandoned';

/**
 * One attempt of one delivery: claim it, POST the signed body, record what happened, and add the
 * next attempt's job when the schedule says so. The `webhook-id` is the delivery id on every
 * attempt; each attempt has its own job id (delivery id + attempt), so a retry is never mistaken
 * for a job BullMQ already knows.
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  return async (payload: DeliveryPayload, job: Job, token?: string): Promise<DeliveryResult> => {
    const delivery = await loadDelivery(deps.db, payload.deliveryId);
    if (!delivery) throw new UnrecoverableError(`no delivery ${payload.deliveryId}`);
    if (delivery.status !== 'pending') return 'stale';
    const attempt = payload.attempt ?? delivery.attempts + 1;
    if (attempt !== delivery.attempts + 1) return 'stale';
    const { endpoint } = delivery;
    if (!endpoint.active) {
      await abandonDelivery(deps.db, delivery.id, 'endpoint disabled');
      return 'abandoned';
    }

    if (!(await deps.limiter.acquire(endpoint.id))) {
      // The endpoint has its share of slots busy: park this job instead of holding a slot.
      await job.moveToDelayed(Date.now() + deps.limiter.parkDelay(endpoint.id), token);
      throw new DelayedError();
    }
    let durationMs = 0;
    try {
      const start = now();
      // The lease outlasts the request (timeout + margin): only a dead dispatcher lets it lapse.
      if (!(await claimAttempt(deps.db, delivery.id, attempt, new Date(start.getTime() + deps.timeoutMs + 5_000)))) return 'stale';
      // The contract's field order, whatever order jsonb kept the keys in.
      const body = JSON.stringify({ type: delivery.payload.type, timestamp: delivery.payload.timestamp, data: delivery.payload.data });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': deps.userAgent,
        ...standardWebhookHeaders({ id: delivery.id, now: start, body, secrets: signingSecrets(endpoint, start) }),
      };
      // The seed's scheme, kept for receivers that check it.
      if (endpoint.environment === 'production') headers['x-webhook-secret'] = endpoint.secret;
      const result = await deps.client.post(endpoint.url, headers, body);
      durationMs = result.durationMs;
      const at = now();
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      const gone = result.status === 410;
      const retryIn = ok || gone ? undefined : nextRetryDelay(attempt, deps.retryBaseMs, parseRetryAfter(result.retryAfter, at));
      const outcome = ok ? { kind: 'delivered' as const } : retryIn !== undefined ? { kind: 'retry' as const, at: new Date(at.getTime() + retryIn) } : { kind: 'failed' as const };
      const error = result.error ?? (result.status !== undefined && result.status >= 300 && result.status < 400 ? `HTTP ${result.status}: redirects are not followed` : undefined);
      const { disabled } = await recordAttempt(deps.db, {
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        attempt,
        url: endpoint.url,
        at: start,
        status: result.status,
        body: result.body,
        error,
        durationMs: result.durationMs,
        outcome,
        ...(gone ? { disableEndpoint: 'gone' as const } : {}),
        failingCutoff: new Date(at.getTime() - FAILING_DISABLE_MS),
      });
      deps.onAttempt?.({ outcome: outcome.kind, durationMs: result.durationMs, status: result.status });
      if (disabled) deps.logger.warn('endpoint.disabled', { endpointId: endpoint.id, reason: disabled, deliveryId: delivery.id, status: result.status });
      if (outcome.kind === 'retry') {
        await enqueue(deps.queue, 'delivery', { deliveryId: delivery.id, attempt: attempt + 1 }, { delay: retryIn! });
      }
      return outcome.kind;
    } finally {
      deps.limiter.release(endpoint.id, durationMs);
    }
  };
}
