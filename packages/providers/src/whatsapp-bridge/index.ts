import type { InboundMessage, RawEventPayload } from '@switchboard/events';
import { rawBodyBytes } from '@switchboard/events';
import { toE164 } from '../address.ts';
import { JSON_OK } from '../generic/index.ts';
import { standardWebhookHeaders, verifyStandardWebhook } from '../generic/standard-webhooks.ts';
import { safeEqual } from '../twilio/signature.ts';
import type { AcceptOutcome, IngestRequest, NormalizeContext, Provider } from '../types.ts';
import { ipAllowlist } from './ip-allowlist.ts';

/** WHATSAPP_BRIDGE_SECRET: compared to `X-Bridge-Secret`, or the key of a Standard Webhooks signature. */
export type BridgeSecrets = { secret: string };

export type BridgeOptions = {
  /** IPs and CIDRs (IPv4, IPv6) allowed to post; empty or absent: any address. */
  allowedIps?: readonly string[];
};

export type BridgeFields = { messageId: string };

export const BRIDGE_SECRET_HEADER = 'x-bridge-secret';

/** The fields every bridge event must carry (400 names those missing). */
export const REQUIRED_BRIDGE_FIELDS = ['group', 'author', 'content', 'messageId', 'timestamp'] as const;

/**
 * The bridge's `timestamp`: epoch seconds, epoch milliseconds (a number or a digit string), or an
 * ISO 8601 date-time with `Z` or an offset (a zone-less time is ambiguous, so refused).
 * Numbers below 1e11 are seconds (1e11 s is the year 5138; 1e11 ms is 1973).
 */
export function parseBridgeTimestamp(value: unknown): Date | null {
  let date: Date;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,16}(\.\d+)?$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return null;
    date = new Date(n < 1e11 ? n * 1000 : n);
  } else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    date = new Date(value);
  } else {
    return null;
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

type BridgeBody = Record<string, unknown>;

function parseBody(body: Buffer): { ok: true; value: BridgeBody } | { ok: false; error: string; fields: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'body is not valid JSON', fields: [] };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'body is not a JSON object', fields: [] };
  const event = value as BridgeBody;
  // An empty `content` is a message without text (media only); the other fields need a value.
  const missing = REQUIRED_BRIDGE_FIELDS.filter((name) => event[name] === undefined || event[name] === null || (name !== 'content' && event[name] === ''));
  if (missing.length > 0) return { ok: false, error: `missing required fields: ${missing.join(', ')}`, fields: missing };
  const wrongType = (['group', 'author', 'content'] as const).filter((name) => typeof event[name] !== 'string');
  if (typeof event.messageId !== 'string' && typeof event.messageId !== 'number') wrongType.push('messageId' as never);
  if (wrongType.length > 0) return { ok: false, error: `fields must be strings: ${wrongType.join(', ')}`, fields: wrongType };
  if (!parseBridgeTimestamp(event.timestamp)) {
    return { ok: false, error: 'timestamp must be epoch seconds, epoch milliseconds or an ISO 8601 date-time with a zone', fields: ['timestamp'] };
  }
  return { ok: true, value: event };
}

function header(request: IngestRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The WhatsApp group bridge (`POST /webhooks/whatsapp-bridge`): the remote IP must be in the
 * allowlist when one is configured (checked even with INSECURE_SKIP_SIGNATURES: it is not a
 * signature), then `X-Bridge-Secret` must equal the secret, or a Standard Webhooks signature made
 * with it must verify.
 */
export function whatsappBridge(options: BridgeOptions = {}): Provider<BridgeSecrets, BridgeFields> {
  const allowed = options.allowedIps && options.allowedIps.length > 0 ? ipAllowlist(options.allowedIps) : null;
  const accept = (request: IngestRequest, secrets: BridgeSecrets | null): AcceptOutcome<BridgeFields> => {
    if (allowed && !allowed(request.remoteIp)) return { ok: false, reason: 'forbidden', error: 'remote address not in WHATSAPP_BRIDGE_ALLOWED_IPS' };
    if (secrets) {
      if (!secrets.secret) return { ok: false, reason: 'not_configured', error: 'WHATSAPP_BRIDGE_SECRET is not set' };
      const shared = header(request, BRIDGE_SECRET_HEADER);
      const sw = standardWebhookHeaders(request.headers);
      if (shared !== undefined) {
        if (!safeEqual(shared, secrets.secret)) return { ok: false, reason: 'forbidden', error: 'invalid X-Bridge-Secret' };
      } else if (sw.id || sw.timestamp || sw.signature) {
        const outcome = verifyStandardWebhook({ secrets: [secrets.secret], ...sw, body: request.body, now: request.now });
        if (!outcome.ok) return { ok: false, reason: outcome.reason, error: outcome.error };
      } else {
        return { ok: false, reason: 'unauthorized', error: 'missing X-Bridge-Secret header (or Standard Webhooks signature headers)' };
      }
    }
    const parsed = parseBody(request.body);
    if (!parsed.ok) return { ok: false, reason: 'invalid', error: parsed.error, fields: parsed.fields };
    const messageId = String(parsed.value.messageId);
    return { ok: true, dedupKey: messageId, fields: { messageId } };
  };
  return {
    id: 'whatsapp-bridge',
    contentTypes: ['application/json'],
    integration: 'whatsapp',
    accept,
    acceptUnsigned: (request) => accept(request, null),
    reply: () => JSON_OK,
  };
}

/**
 * A bridge author: a phone number (`+33 6…`, `33612345678@c.us`, `…@s.whatsapp.net`) in E.164,
 * anything else (a display name, a LID) as sent.
 */
export function bridgeAuthor(author: string, defaultCountry?: string): string {
  const trimmed = author.trim();
  const jid = /^(\d{6,15})@(c\.us|s\.whatsapp\.net)$/.exec(trimmed);
  if (jid) return toE164(`+${jid[1]}`);
  if (/^\+?[\d\s().-]{6,20}$/.test(trimmed)) return toE164(trimmed, defaultCountry);
  return trimmed;
}

/** A bridge event → the seed's message shape, source `whatsapp-group`. */
export function normalizeBridgeMessage(event: RawEventPayload, context: NormalizeContext = {}): InboundMessage {
  const body = JSON.parse(rawBodyBytes(event).toString('utf8')) as BridgeBody;
  const sentAt = parseBridgeTimestamp(body.timestamp);
  const str = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? null : String(value));
  return {
    kind: 'message',
    source: 'whatsapp-group',
    externalId: str(body.messageId) ?? event.dedupKey,
    sender: bridgeAuthor(str(body.author) ?? '', context.defaultCountry),
    recipient: null,
    content: str(body.content) ?? '',
    campaignId: null,
    receivedAt: event.receivedAt,
    extractedData: {
      group: str(body.group),
      type: str(body.type),
      bridgeSource: str(body.source),
      sentAt: sentAt ? sentAt.toISOString() : null,
    },
    rawData: body,
  };
}
