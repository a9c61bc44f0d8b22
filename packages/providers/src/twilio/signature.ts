import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as parsed: a key sent twice carries an array. */
export type FormParams = Record<string, string | string[] | undefined>;

/**
 * Twilio's request signature: HMAC-SHA1 with the auth token over the full URL followed by each
 * POST parameter name and value, sorted by name (a repeated name: its distinct values sorted),
 * base64. https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const hmac = createHmac('sha1', authToken);
  hmac.update(url, 'utf8');
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of [...new Set(value)].sort()) hmac.update(key + v, 'utf8');
    } else {
      hmac.update(key + value, 'utf8');
    }
  }
  return hmac.digest('base64');
}

/**
 * Constant-time equality of two strings. Both are hashed first, so the comparison always runs
 * over two 32-byte digests: a length mismatch does not return early, and the shared-secret
 * headers (`X-Bridge-Secret`, `X-Webhook-Secret`) do not leak their length through timing.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}

const DEFAULT_PORT: Record<string, string> = { 'https:': '443', 'http:': '80' };

/**
 * The URL as signed, plus the variant with the default port added or removed: Twilio signs the
 * URL as configured, and a proxy may add or drop `:443`; Twilio's own validator tries both.
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  const host = portMatch[1]!;
  const port = portMatch[2];
  const base = `${scheme}//${userInfo}${host}`;
  const variants = new Set<string>([url, base + rest]);
  if (!port) variants.add(`${base}:${DEFAULT_PORT[scheme.toLowerCase()] ?? '80'}${rest}`);
  return [...variants];
}

/** Checks `X-Twilio-Signature` on a form-encoded request. */
export function verifyTwilioForm(authToken: string, signature: string, url: string, params: FormParams): boolean {
  // Each comparison is constant-time; which URL variant matched is not a secret.
  return urlVariants(url).some((candidate) => safeEqual(twilioSignature(authToken, candidate, params), signature));
}

/**
 * Checks a JSON-bodied Twilio request: the URL carries `bodySHA256`, the signature covers the URL
 * alone, and the body must hash to that value.
 */
export function verifyTwilioJson(authToken: string, signature: string, url: string, body: Buffer): boolean {
  const query = url.indexOf('?');
  const expectedHash = query >= 0 ? new URLSearchParams(url.slice(query + 1)).get('bodySHA256') : null;
  if (!expectedHash) return false;
  const actualHash = createHash('sha256').update(body).digest('hex');
  const signed = verifyTwilioForm(authToken, signature, url, {});
  return safeEqual(actualHash, expectedHash) && signed;
}
