import type { IngestRequest, Rejection } from '../types.ts';
import { missingFields, parseForm, field } from './form.ts';
import { verifyTwilioForm, verifyTwilioJson, type FormParams } from './signature.ts';

export type TwilioSecrets = { authToken: string };

export const FORM = 'application/x-www-form-urlencoded';

/** The header Twilio sets on retries of the same webhook: the best dedup key there is. */
export const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

/**
 * Verifies and parses a Twilio webhook (form body; or JSON with `bodySHA256` in the URL), then
 * checks the required fields. Shared by the messaging, status and voice providers.
 */
export function acceptTwilio(
  request: IngestRequest,
  secrets: TwilioSecrets | null,
  required: readonly string[],
): { ok: true; params: FormParams } | Rejection {
  const signature = request.headers['x-twilio-signature'];
  if (secrets && typeof signature !== 'string') {
    return { ok: false, reason: 'unauthorized', error: 'missing X-Twilio-Signature header' };
  }
  const isJson = request.url.includes('bodySHA256=');
  if (secrets) {
    const valid = isJson
      ? verifyTwilioJson(secrets.authToken, signature as string, request.url, request.body)
      : verifyTwilioForm(secrets.authToken, signature as string, request.url, parseFormCached(request));
    if (!valid) return { ok: false, reason: 'forbidden', error: 'invalid X-Twilio-Signature' };
  }
  let params: FormParams;
  if (isJson) {
    try {
      params = flattenJson(JSON.parse(request.body.toString('utf8')));
    } catch {
      return { ok: false, reason: 'invalid', error: 'body is not valid JSON', fields: [] };
    }
  } else {
    params = parseFormCached(request);
  }
  const missing = missingFields(params, required);
  if (missing.length > 0) return { ok: false, reason: 'invalid', error: `missing required fields: ${missing.join(', ')}`, fields: missing };
  return { ok: true, params };
}

const parsedForms = new WeakMap<Buffer, FormParams>();
/** The body is parsed once per request, whether for the signature or for the fields. */
function parseFormCached(request: IngestRequest): FormParams {
  let params = parsedForms.get(request.body);
  if (!params) {
    params = parseForm(request.body);
    parsedForms.set(request.body, params);
  }
  return params;
}

function flattenJson(value: unknown): FormParams {
  const out: FormParams = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      out[key] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
  return out;
}

/** `I-Twilio-Idempotency-Token` when Twilio sent one, else the key built from the fields. */
export function twilioDedupKey(request: IngestRequest, fallback: string): string {
  const token = request.headers[IDEMPOTENCY_HEADER];
  return typeof token === 'string' && token.length > 0 ? `idem.${token}` : fallback;
}

export { field };
