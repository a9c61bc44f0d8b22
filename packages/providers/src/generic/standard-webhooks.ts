import { createHmac } from 'node:crypto';
import { safeEqual } from '../twilio/signature.ts';

/** The prefix of a Standard Webhooks secret: the rest is the key, base64. */
export const SECRET_PREFIX = 'whsec_';

/** Five minutes either way, as the spec recommends (clocks drift; replays are bounded). */
export const DEFAULT_TOLERANCE_SEC = 5 * 60;

/**
 * The HMAC key of a secret: `whsec_<base64>` is decoded as the spec says; any other string is
 * used as its raw UTF-8 bytes (a secret typed by an operator, e.g. WHATSAPP_BRIDGE_SECRET).
 */
export function standardWebhookKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

function signature(key: Buffer, id: string, timestamp: string, body: Buffer | string): string {
  // Signed content is `${id}.${timestamp}.${body}` over the body's exact bytes.
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');
}

/**
 * A `webhook-signature` value (`v1,<base64>`) for a message, per https://www.standardwebhooks.com/.
 * `timestamp` is in seconds since the epoch (a Date is truncated to seconds).
 */
export function signStandardWebhook(input: { secret: string; id: string; timestamp: number | Date; body: Buffer | string }): string {
  const seconds = input.timestamp instanceof Date ? Math.floor(input.timestamp.getTime() / 1000) : Math.floor(input.timestamp);
  return `v1,${signature(standardWebhookKey(input.secret), input.id, String(seconds), input.body)}`;
}

export type StandardWebhookInput = {
  /** Every secret currently valid (several during a rotation). */
  secrets: readonly string[];
  /** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, as sent. */
  id?: string | undefined;
  timestamp?: string | undefined;
  signature?: string | undefined;
  body: Buffer | string;
  now: Date;
  toleranceSec?: number;
};

export type StandardWebhookOutcome = { ok: true } | { ok: false; reason: 'unauthorized' | 'forbidden'; error: string };

/**
 * Verifies a Standard Webhooks signature: missing headers are `unauthorized`; a malformed or stale
 * timestamp, or no `v1` signature matching any secret, is `forbidden`. Any one of the
 * space-separated signatures matching any one secret is enough (rotation on either side).
 */
export function verifyStandardWebhook(input: StandardWebhookInput): StandardWebhookOutcome {
  const missing = [
    ['webhook-id', input.id],
    ['webhook-timestamp', input.timestamp],
    ['webhook-signature', input.signature],
  ].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) return { ok: false, reason: 'unauthorized', error: `missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}` };
  const { id, timestamp, signature: header } = input as { id: string; timestamp: string; signature: string };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'forbidden', error: 'webhook-timestamp is not a number of seconds' };
  const tolerance = input.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const skew = Math.floor(input.now.getTime() / 1000) - Number(timestamp);
  if (skew > tolerance) return { ok: false, reason: 'forbidden', error: 'webhook-timestamp is too old' };
  if (skew < -tolerance) return { ok: false, reason: 'forbidden', error: 'webhook-timestamp is in the future' };
  const passed = header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  if (passed.length === 0) return { ok: false, reason: 'forbidden', error: 'no v1 signature in webhook-signature' };
  const expected = input.secrets.filter((s) => s.length > 0).map((secret) => signature(standardWebhookKey(secret), id, timestamp, input.body));
  // Every pair is compared in constant time; which secret or entry matched is not a secret.
  let matched = false;
  for (const e of expected) for (const p of passed) if (safeEqual(e, p)) matched = true;
  return matched ? { ok: true } : { ok: false, reason: 'forbidden', error: 'invalid webhook-signature' };
}

/** The Standard Webhooks headers of a request, as single strings. */
export function standardWebhookHeaders(headers: Record<string, string | string[] | undefined>): { id?: string; timestamp?: string; signature?: string } {
  const one = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  return { id: one('webhook-id'), timestamp: one('webhook-timestamp'), signature: one('webhook-signature') };
}
