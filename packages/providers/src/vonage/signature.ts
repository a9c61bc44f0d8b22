import { createHash, timingSafeEqual } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';

/**
 * How old a signed webhook may be (its `iat`), in seconds. Vonage signs each attempt when it sends
 * it, so a genuine request is seconds old; five minutes, like Mailgun's and Standard Webhooks'
 * windows, leaves room for clock drift and a slow network and still makes a captured request
 * useless soon after.
 */
export const VONAGE_MAX_AGE_SEC = 300;
/** How far in the future an `iat` may be (the sender's clock ahead of ours). */
export const VONAGE_FUTURE_SKEW_SEC = 60;

/** The claims of a Vonage webhook JWT (https://developer.vonage.com/en/getting-started/concepts/signing-messages). */
export type VonageClaims = {
  iat: number;
  payload_hash?: string;
  jti?: string;
  iss?: string;
  api_key?: string;
  application_id?: string;
};

export type VonageTokenCheck = { ok: true; claims: VonageClaims } | { ok: false; error: string };

/**
 * Checks the token's signature only: HS256 with the signature secret, no other algorithm (an
 * `alg: none` or RS256 token is refused, so a public key can never stand in for the secret).
 * jsonwebtoken compares the HMAC in constant time (jwa's buffer-equal-constant-time), and checks
 * an `exp` against the injected clock when the token has one.
 */
export function verifyVonageToken(token: string, secret: string, now: Date): VonageTokenCheck {
  let decoded: unknown;
  try {
    decoded = jsonwebtoken.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: Math.floor(now.getTime() / 1000) });
  } catch (err) {
    return { ok: false, error: `invalid Vonage signature: ${(err as Error).message}` };
  }
  if (!decoded || typeof decoded !== 'object') return { ok: false, error: 'invalid Vonage signature: the token has no claims' };
  const claims = decoded as Record<string, unknown>;
  if (typeof claims.iat !== 'number') return { ok: false, error: 'invalid Vonage signature: the token has no iat' };
  return { ok: true, claims: claims as VonageClaims };
}

/** Hex SHA-256 of the raw body: what Vonage puts in `payload_hash`. */
export function vonagePayloadHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * A Vonage Messages API webhook, verified on its raw bytes: `Authorization: Bearer <JWT>` signed
 * with the signature secret, `payload_hash` equal to the body's SHA-256 (so the body is the one
 * signed), and `iat` within {@link VONAGE_MAX_AGE_SEC} of `now` (so a captured request cannot be
 * replayed later). Every refusal is an `unauthorized`: the request proves nothing.
 */
export function verifyVonageRequest(authorization: string | undefined, body: Buffer, secret: string, now: Date): VonageTokenCheck {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return { ok: false, error: 'missing Authorization: Bearer token' };
  const checked = verifyVonageToken(match[1]!, secret, now);
  if (!checked.ok) return checked;
  const { claims } = checked;
  const age = Math.floor(now.getTime() / 1000) - claims.iat;
  if (age > VONAGE_MAX_AGE_SEC) return { ok: false, error: `stale Vonage signature: issued ${age} s ago (at most ${VONAGE_MAX_AGE_SEC} s)` };
  if (-age > VONAGE_FUTURE_SKEW_SEC) return { ok: false, error: `Vonage signature issued ${-age} s in the future` };
  if (typeof claims.payload_hash !== 'string') return { ok: false, error: 'invalid Vonage signature: the token has no payload_hash' };
  const expected = Buffer.from(vonagePayloadHash(body), 'utf8');
  const given = Buffer.from(claims.payload_hash.toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, error: 'payload_hash does not match the body' };
  return checked;
}
