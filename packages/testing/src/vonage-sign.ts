import { createHash, createHmac, randomUUID } from 'node:crypto';

export type VonageTokenOptions = {
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** The hash to claim; default the body's own. */
  payloadHash?: string;
  /** Extra or replaced claims. */
  claims?: Record<string, unknown>;
  /** The header's `alg`; default HS256 (anything else is for forgery tests). */
  alg?: string;
};

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * A Vonage signed-webhook JWT written from the documentation alone, with node:crypto (not a JWT
 * library, so the verifier is checked against an independent encoder): header `{alg: HS256, typ:
 * JWT}`, claims `iat`, `jti`, `iss: "Vonage"`, `payload_hash` (hex SHA-256 of the body),
 * `api_key`, `application_id`, signed with HMAC-SHA256 of the signature secret.
 */
export function vonageWebhookToken(secret: string, body: string | Buffer, options: VonageTokenOptions = {}): string {
  const header = { alg: options.alg ?? 'HS256', typ: 'JWT' };
  const claims = {
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    iss: 'Vonage',
    payload_hash: options.payloadHash ?? createHash('sha256').update(body).digest('hex'),
    api_key: 'a1b2c3d4',
    application_id: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
    ...options.claims,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** Posts a JSON body to `url` the way Vonage does: `Authorization: Bearer <JWT>` over the exact bytes sent. */
export async function postSignedVonage(url: string, body: unknown, secret: string, options: VonageTokenOptions & { token?: string } = {}): Promise<{ status: number; body: string }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? vonageWebhookToken(secret, text, options)}` },
    body: text,
  });
  return { status: response.status, body: await response.text() };
}
