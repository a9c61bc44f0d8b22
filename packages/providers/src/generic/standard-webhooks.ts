import { createHmac } from 'node:crypto';
import { safeEqual } from '../twilio/signature.ts';
import { verificationKeys } from './secret.ts';

/** Five minutes either way, as the spec recommends (clocks drift; replays are bounded). */
export const DEFAULT_TOLERANCE_SEC = 5 * 60;

function signature(key: Buffer, id: string, timestamp: string, body: Buffer | string): string {
  // Signed content is `${id}.${timestamp}.${body}` over the body's exact bytes.
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');
}

/**
 * A `webhook-signature` value (`v1,<base64>`) for a message, per https://www.standardwebhooks.com/,
 * made with the key the official libraries derive from `secret`.
 * `timestamp` is in seconds since the epoch (a Date is truncated to seconds).
 */
export function signStandardWebhook(input: { secret: string; id: string; timestamp: number | Date; body: Buffer | string }): string {
  const seconds = input.timestamp instanceof Date ? Math.floor(input.timestamp.getTime() / 1000) : Math.floor(input.timestamp);
  // The first key is the one the official libraries would sign with (see verificationKeys).
  const [key] = verificationKeys(input.secret);
  if (!key) throw new Error('the secret gives no HMAC key (a whsec_ secret must be followed by base64)');
  return `v1,${signature(key, input.id, String(seconds), input.body)}`;
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
 * space-separated signatures matching any one secret is enough (rotation on either side). A
 * secret that gives no key (`whsec_` followed by something that is not base64) matches nothing.
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
  const expected = input.secrets.flatMap(verificationKeys).map((key) => signature(key, id, timestamp, input.body));
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
