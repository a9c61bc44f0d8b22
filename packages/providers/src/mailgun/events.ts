import type { EmailEvent, RawEventPayload } from '@switchboard/events';
import { rawBodyBytes } from '@switchboard/events';
import { JSON_OK } from '../generic/index.ts';
import type { AcceptOutcome, IngestRequest, Provider } from '../types.ts';
import { verifyMailgun, type MailgunSecrets } from './signature.ts';

export type MailgunEventFields = { eventId: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function parseBody(body: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function acceptEvent(request: IngestRequest, secrets: MailgunSecrets | null): AcceptOutcome<MailgunEventFields> {
  const body = parseBody(request.body);
  if (!body) return { ok: false, reason: 'invalid', error: 'body must be a JSON object with "signature" and "event-data"', fields: ['signature', 'event-data'] };
  const signature = isObject(body.signature) ? body.signature : {};
  if (secrets) {
    if (!secrets.signingKey) return { ok: false, reason: 'not_configured', error: 'MAILGUN_WEBHOOK_SIGNING_KEY is not set' };
    // The same check as inbound mail: HMAC-SHA256(timestamp + token), timestamp within 5 minutes.
    const outcome = verifyMailgun({ signingKey: secrets.signingKey, timestamp: str(String(signature.timestamp ?? '')), token: str(signature.token), signature: str(signature.signature), now: request.now });
    if (!outcome.ok) return outcome;
  }
  const data = isObject(body['event-data']) ? body['event-data'] : undefined;
  const missing = [...(!data ? ['event-data'] : []), ...(data && !str(data.id) ? ['event-data.id'] : []), ...(data && !str(data.event) ? ['event-data.event'] : [])];
  if (missing.length > 0) return { ok: false, reason: 'invalid', error: `missing required fields: ${missing.join(', ')}`, fields: missing };
  const eventId = str(data!.id)!;
  // Mailgun may deliver an event more than once (retries): its id, not the token, is the dedup
  // key. The token is single-use: ingest refuses it with another event (a replay, see the handler).
  return { ok: true, dedupKey: `event.${eventId}`, fields: { eventId }, replayToken: secrets ? str(signature.token) : undefined, bodyContentType: 'application/json' };
}

/**
 * Mailgun's event webhooks (`POST /webhooks/mailgun/events`): a JSON body with `signature`
 * {timestamp, token, signature} and `event-data`
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhooks/).
 */
export function mailgunEvents(): Provider<MailgunSecrets, MailgunEventFields> {
  return {
    id: 'mailgun-events',
    contentTypes: ['application/json'],
    integration: 'email',
    accept: acceptEvent,
    acceptUnsigned: (request) => acceptEvent(request, null),
    reply: () => JSON_OK,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored Mailgun event → {@link EmailEvent}. */
export function normalizeMailgunEvent(event: RawEventPayload): EmailEvent {
  const body = parseBody(rawBodyBytes(event));
  const data = body && isObject(body['event-data']) ? body['event-data'] : undefined;
  if (!data || !str(data.id) || !str(data.event)) throw new Error('no event-data with id and event');
  const message = isObject(data.message) ? data.message : {};
  const headers = isObject(message.headers) ? message.headers : {};
  const variables = isObject(data['user-variables']) ? data['user-variables'] : {};
  const status = isObject(data['delivery-status']) ? data['delivery-status'] : {};
  const messageId = str(headers['message-id']);
  const campaignMessageId = str(variables.campaignMessageId);
  const timestamp = typeof data.timestamp === 'number' ? data.timestamp : Number(data.timestamp);
  const code = typeof status.code === 'number' ? status.code : Number.parseInt(String(status.code ?? ''), 10);
  return {
    kind: 'email-event',
    id: str(data.id)!,
    event: str(data.event)!,
    messageId: messageId ? messageId.trim().replace(/^<|>$/g, '') : null,
    campaignMessageId: campaignMessageId && UUID.test(campaignMessageId) ? campaignMessageId.toLowerCase() : null,
    recipient: str(data.recipient)?.trim().toLowerCase() ?? null,
    severity: str(data.severity) ?? null,
    errorCode: Number.isInteger(code) ? code : null,
    errorMessage: str(status.message) ?? str(status.description) ?? str(data.reason) ?? null,
    occurredAt: new Date(Number.isFinite(timestamp) ? timestamp * 1000 : Date.parse(event.receivedAt)).toISOString(),
  };
}
