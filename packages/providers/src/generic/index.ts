import { createHash } from 'node:crypto';
import type { GenericEvent, RawEventPayload } from '@switchboard/events';
import { rawBodyBytes } from '@switchboard/events';
import { safeEqual } from '../twilio/signature.ts';
import type { AcceptOutcome, IngestRequest, Provider, Reply } from '../types.ts';
import { standardWebhookHeaders, verifyStandardWebhook } from './standard-webhooks.ts';

/** A generic source's secrets: several during a rotation, newest first or not, all valid. */
export type GenericSecrets = { secrets: string[] };

export type GenericFields = { sourceId: string };

/** The legacy shared-secret header (the seed's), compared as a whole string. */
export const LEGACY_SECRET_HEADER = 'x-webhook-secret';

/** The JSON answer of the providers that are not Twilio. */
export const JSON_OK: Reply = { contentType: 'application/json', body: '{"ok":true}' };

function header(request: IngestRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The dedup key of a generic event, scoped by source (two sources may reuse an id): the
 * `webhook-id`; for a legacy request its `Idempotency-Key` or `X-Webhook-Id`, else the body's sha256.
 */
function genericDedupKey(request: IngestRequest, sourceId: string): string {
  const id = header(request, 'webhook-id');
  if (id) return `${sourceId}.${id}`;
  const legacy = header(request, 'idempotency-key') ?? header(request, 'x-webhook-id');
  if (legacy) return `${sourceId}.${legacy}`;
  return `${sourceId}.sha256.${createHash('sha256').update(request.body).digest('hex')}`;
}

function acceptGeneric(request: IngestRequest, secrets: GenericSecrets | null): AcceptOutcome<GenericFields> {
  const sourceId = request.sourceId;
  if (!sourceId) return { ok: false, reason: 'invalid', error: 'missing source id in the path', fields: ['sourceId'] };
  if (secrets) {
    const valid = secrets.secrets.filter((s) => s.length > 0);
    if (valid.length === 0) return { ok: false, reason: 'not_configured', error: 'source has no secret' };
    const sw = standardWebhookHeaders(request.headers);
    const legacy = header(request, LEGACY_SECRET_HEADER);
    if (sw.id || sw.timestamp || sw.signature || !legacy) {
      // Any Standard Webhooks header present means the sender speaks it: check it fully.
      const outcome = verifyStandardWebhook({ secrets: valid, ...sw, body: request.body, now: request.now });
      if (!outcome.ok) {
        const error = !sw.id && !sw.timestamp && !sw.signature ? 'missing webhook-id, webhook-timestamp, webhook-signature headers (or X-Webhook-Secret)' : outcome.error;
        return { ok: false, reason: outcome.reason, error };
      }
    } else {
      let matched = false;
      for (const secret of valid) if (safeEqual(secret, legacy)) matched = true;
      if (!matched) return { ok: false, reason: 'forbidden', error: 'invalid X-Webhook-Secret' };
    }
  }
  try {
    JSON.parse(request.body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] };
  }
  return { ok: true, dedupKey: genericDedupKey(request, sourceId), fields: { sourceId } };
}

/**
 * Any system posting JSON to `/webhooks/generic/:sourceId`, signed per Standard Webhooks
 * (https://www.standardwebhooks.com/) with the source's secret, or carrying the legacy
 * `X-Webhook-Secret` header. JSON bodies are accepted as application/json or text/plain.
 */
export function genericSource(): Provider<GenericSecrets, GenericFields> {
  return {
    id: 'generic',
    contentTypes: ['application/json', 'text/plain'],
    integration: 'webhook',
    accept: acceptGeneric,
    acceptUnsigned: (request) => acceptGeneric(request, null),
    reply: () => JSON_OK,
  };
}

/** A generic event: stored and announced as is; its `type` is the body's `type` when it is a string. */
export function normalizeGenericEvent(event: RawEventPayload): GenericEvent {
  const data: unknown = JSON.parse(rawBodyBytes(event).toString('utf8'));
  const type = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).type : undefined;
  return {
    kind: 'generic',
    sourceId: event.sourceId ?? '',
    type: typeof type === 'string' ? type : null,
    data,
    receivedAt: event.receivedAt,
  };
}
