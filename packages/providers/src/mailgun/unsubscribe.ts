import { createHmac } from 'node:crypto';
import { safeEqual } from '../twilio/signature.ts';

/**
 * One-click unsubscribe tokens (RFC 8058): the campaign message id (hex, without dashes) and an
 * HMAC-SHA256 of it under UNSUBSCRIBE_SECRET, base64url, cut to 128 bits. The link names the
 * message, never the address (it shows in logs and proxies), and cannot be forged or pointed at
 * another message without the secret.
 */
export function unsubscribeToken(secret: string, campaignMessageId: string): string {
  const hex = campaignMessageId.replaceAll('-', '').toLowerCase();
  return `${hex}.${tokenMac(secret, hex)}`;
}

function tokenMac(secret: string, hex: string): string {
  return createHmac('sha256', secret).update(`unsubscribe.${hex}`, 'utf8').digest('base64url').slice(0, 22);
}

export type UnsubscribeVerification = { ok: true; campaignMessageId: string } | { ok: false; error: string };

/** Pure check of a token from the URL; answers the campaign message id it names. */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeVerification {
  const match = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return { ok: false, error: 'malformed unsubscribe token' };
  const [, hex, mac] = match as unknown as [string, string, string];
  if (!safeEqual(tokenMac(secret, hex), mac)) return { ok: false, error: 'invalid unsubscribe token' };
  return { ok: true, campaignMessageId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
}
