import type { z } from 'zod';
import type { IngestRequest, Rejection } from '../types.ts';
import { parseVonageBody } from './payload.ts';
import { verifyVonageRequest } from './signature.ts';

/** VONAGE_SIGNATURE_SECRET: the account's (or application's) signature secret. */
export type VonageSecrets = { signatureSecret: string };

/** Vonage answers nothing back: any 2xx ends its retries. */
export const EMPTY_REPLY = { contentType: 'text/plain; charset=utf-8', body: '' };

/**
 * Verifies a Vonage webhook on its raw bytes (`secrets` null: INSECURE_SKIP_SIGNATURES), then
 * reads it with `schema`. The body is parsed only once its hash is known to be the signed one.
 */
export function acceptVonage<T>(request: IngestRequest, secrets: VonageSecrets | null, schema: z.ZodType<T>): { ok: true; value: T } | Rejection {
  if (secrets) {
    const authorization = request.headers.authorization;
    const verified = verifyVonageRequest(typeof authorization === 'string' ? authorization : undefined, request.body, secrets.signatureSecret, request.now);
    if (!verified.ok) return { ok: false, reason: 'unauthorized', error: verified.error };
  }
  return parseVonageBody(request.body, schema);
}
