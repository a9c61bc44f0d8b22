import { createHmac } from 'node:crypto';
import { safeEqual } from '../twilio/signature.ts';

/** MAILGUN_WEBHOOK_SIGNING_KEY (Mailgun: Settings → Webhooks → HTTP webhook signing key). */
export type MailgunSecrets = { signingKey: string };

/** Mailgun's timestamps are trusted for five minutes either way. */
export const MAILGUN_TOLERANCE_SEC = 5 * 60;

/**
 * Mailgun's signature: hex HMAC-SHA256 keyed with the signing key over `timestamp` + `token`
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks).
 */
export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token, 'utf8').digest('hex');
}

export type MailgunVerification = { ok: true } | { ok: false; reason: 'unauthorized' | 'forbidden'; error: string };

/** Pure check of a Mailgun signature and its timestamp against `now`. */
export function verifyMailgun(input: { signingKey: string; timestamp?: string; token?: string; signature?: string; now: Date; toleranceSec?: number }): MailgunVerification {
  const missing = (['timestamp', 'token', 'signature'] as const).filter((name) => !input[name]);
  if (missing.length > 0) return { ok: false, reason: 'unauthorized', error: `missing ${missing.join(', ')}` };
  const { timestamp, token, signature } = input as { timestamp: string; token: string; signature: string };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'forbidden', error: 'timestamp is not a number of seconds' };
  const valid = safeEqual(mailgunSignature(input.signingKey, timestamp, token), signature.toLowerCase());
  if (!valid) return { ok: false, reason: 'forbidden', error: 'invalid Mailgun signature' };
  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skew > (input.toleranceSec ?? MAILGUN_TOLERANCE_SEC)) return { ok: false, reason: 'forbidden', error: 'Mailgun timestamp is more than 5 minutes away from now' };
  return { ok: true };
}
