import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Meta signs every webhook POST with (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads). */
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';

/** `sha256=` + the hex HMAC-SHA256 of the raw body with the app secret: the header's value. */
export function metaSignature(appSecret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export type MetaVerification = { ok: true } | { ok: false; reason: 'unauthorized' | 'forbidden'; error: string };

/**
 * Checks `X-Hub-Signature-256` against the raw bytes as received: Meta signs the body it sends,
 * non-ASCII characters escaped as `\uXXXX`, so re-serialized JSON would not verify. Compared in
 * constant time; the hex digest is compared case-insensitively.
 */
export function verifyMetaSignature(appSecret: string, header: string | undefined, body: Buffer): MetaVerification {
  if (!header) return { ok: false, reason: 'unauthorized', error: 'missing X-Hub-Signature-256 header' };
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'forbidden', error: 'malformed X-Hub-Signature-256 (expected sha256=<64 hex digits>)' };
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', appSecret).update(body).digest();
  return timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'forbidden', error: 'invalid X-Hub-Signature-256' };
}
