import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Form parameters as parsed: a key sent twice carries an array. */
export type FormParams = Record<string, string | string[] | undefined>;

/** The last auth token seen as a KeyObject: building the key from the string on every request costs more than the HMAC itself. */
let lastKey: { token: string; key: KeyObject } | undefined;
function hmacKey(authToken: string): KeyObject {
  if (lastKey?.token !== authToken) lastKey = { token: authToken, key: createSecretKey(Buffer.from(authToken, 'utf8')) };
  return lastKey.key;
}

/**
 * Twilio's request signature: HMAC-SHA1 with the auth token over the full URL followed by each
 * POST parameter name and value, sorted by name (a repeated name: its distinct values sorted),
 * base64. https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  // One string, one update: an update per pair costs more than hashing the few hundred bytes.
  let signed = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of [...new Set(value)].sort()) signed += key + v;
    } else {
      signed += key + value;
    }
  }
  return createHmac('sha1', hmacKey(authToken)).update(signed, 'utf8').digest('base64');
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

/**
 * Constant-time comparison of a computed signature with the one sent. An HMAC's length is no
 * secret (HMAC-SHA1 in base64 is always 28 characters), so unequal lengths answer at once; equal
 * ones are compared byte for byte in constant time, without the hashing `safeEqual` needs.
 */
function signatureMatches(expected: string, sent: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(sent, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks `X-Twilio-Signature` on a form-encoded request. */
export function verifyTwilioForm(authToken: string, signature: string, url: string, params: FormParams): boolean {
  // Each comparison is constant-time; which URL variant matched is not a secret, so the URL as
  // received is tried first and the variants only when it does not match.
  if (signatureMatches(twilioSignature(authToken, url, params), signature)) return true;
  return urlVariants(url).some((candidate) => candidate !== url && signatureMatches(twilioSignature(authToken, candidate, params), signature));
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
