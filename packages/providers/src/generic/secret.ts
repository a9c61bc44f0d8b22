/**
 * Standard Webhooks secrets: how a secret string becomes an HMAC key, and what is strong enough.
 * No dependencies beyond Node, so the config package can check WHATSAPP_BRIDGE_SECRET at load
 * (`@switchboard/providers/secret`).
 */

/** The prefix of a Standard Webhooks secret: the rest is the key, base64. */
export const SECRET_PREFIX = 'whsec_';

/** The least key a secret may give: 192 bits, what `whsec_` + 32 base64 characters carries. */
export const MIN_KEY_BYTES = 24;
/** The least length of a plain (prefix-less) secret typed by an operator. */
export const MIN_PLAIN_SECRET_CHARS = 32;

const BASE64_CHAR = /^[A-Za-z0-9+/]$/;

/**
 * Base64 decoded exactly as the `standardwebhooks` package decodes a secret (it uses
 * `@stablelib/base64`'s standard coder), or null where that package throws: shorter than 4
 * characters, more than two `=` at the end, or any other character outside `A–Z a–z 0–9 + /`.
 * Two quirks are kept on purpose: padding is optional, and when the unpadded length is 4n+1 the
 * last character is neither checked nor used (the coder's loop never reads it).
 */
export function decodeStandardBase64(value: string): Buffer | null {
  if (value.length === 0) return Buffer.alloc(0);
  let padding = 0;
  while (padding < value.length && value[value.length - 1 - padding] === '=') padding += 1;
  if (value.length < 4 || padding > 2) return null;
  const length = value.length - padding;
  const used = length % 4 === 1 ? length - 1 : length;
  for (let i = 0; i < used; i += 1) if (!BASE64_CHAR.test(value[i]!)) return null;
  // What is left is plain base64 that Node decodes to the same bytes (trailing bits ignored alike).
  return Buffer.from(value.slice(0, used), 'base64');
}

/**
 * The HMAC key the official Standard Webhooks libraries derive from a secret: `whsec_` is
 * stripped when present, the rest is base64 (https://www.standardwebhooks.com/, and the
 * `standardwebhooks` package's `new Webhook(secret)`). Null when they refuse the secret (not
 * base64, or empty): no sender using them can sign with it.
 */
export function standardWebhookKey(secret: string): Buffer | null {
  const key = decodeStandardBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  return key && key.length > 0 ? key : null;
}

/**
 * Every key a signature made with `secret` may have been made with. A `whsec_` secret has one
 * (its base64 key). A prefix-less secret has the libraries' key when it is base64, and also its
 * UTF-8 bytes: before issue 15, Switchboard used a prefix-less secret as its UTF-8 bytes, and
 * senders of sources stored then must keep delivering (see docs/decisions.md). An empty key is
 * never one: anyone could sign with it.
 */
export function verificationKeys(secret: string): Buffer[] {
  const keys: Buffer[] = [];
  const key = standardWebhookKey(secret);
  if (key) keys.push(key);
  if (!secret.startsWith(SECRET_PREFIX) && secret.length > 0) {
    const utf8 = Buffer.from(secret, 'utf8');
    if (!key || !key.equals(utf8)) keys.push(utf8);
  }
  return keys;
}

/**
 * Why `secret` is too weak for an HMAC key, or undefined when it is strong enough: a `whsec_`
 * secret must be base64 of at least {@link MIN_KEY_BYTES} bytes, a plain one at least
 * {@link MIN_PLAIN_SECRET_CHARS} characters (as base64 that is at least 24 bytes too).
 */
export function secretWeakness(secret: string): string | undefined {
  if (secret.startsWith(SECRET_PREFIX)) {
    const key = decodeStandardBase64(secret.slice(SECRET_PREFIX.length));
    if (!key) return `a ${SECRET_PREFIX} secret must be followed by standard base64 (A-Z a-z 0-9 + /, "=" padding)`;
    if (key.length < MIN_KEY_BYTES) return `a ${SECRET_PREFIX} secret must decode to at least ${MIN_KEY_BYTES} bytes (this one gives ${key.length})`;
    return undefined;
  }
  if (secret.length < MIN_PLAIN_SECRET_CHARS) {
    return `must be at least ${MIN_PLAIN_SECRET_CHARS} characters, or ${SECRET_PREFIX} + base64 of at least ${MIN_KEY_BYTES} bytes`;
  }
  return undefined;
}
