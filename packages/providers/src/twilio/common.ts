import type { RawEventPayload } from '@switchboard/events';
import { rawBodyBytes } from '@switchboard/events';
import type { IngestRequest, Rejection } from '../types.ts';
import { field, missingFields, parseForm } from './form.ts';
import { verifyTwilioForm, verifyTwilioJson, type FormParams } from './signature.ts';

export type TwilioSecrets = { authToken: string };

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/**
 * The header Twilio sets on its retries. It is not covered by `X-Twilio-Signature`, so it is no
 * dedup key (a replayed request with a new token would be a new event): it is kept with the raw
 * event's headers, as metadata only.
 */
export const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

/**
 * How a Twilio body is signed and read, decided by the signed URL alone: with `bodySHA256` in its
 * query the body is JSON (the signature covers the URL, the URL the body's hash), else it is a
 * form whose parameters are signed. The unsigned Content-Type header plays no part.
 */
export function twilioBodyType(url: string): typeof FORM | typeof JSON_TYPE {
  const query = url.indexOf('?');
  if (query < 0) return FORM;
  return new URLSearchParams(url.slice(query + 1)).has('bodySHA256') ? JSON_TYPE : FORM;
}

export type TwilioParse = { ok: true; params: FormParams } | { ok: false; error: string; fields: string[] };

/**
 * Parses a Twilio body the one way it is signed and read, at ingest and in the workers alike.
 * A form: every pair (no 1,000-pair cut), a name sent twice with one value is that value, a name
 * sent with different values is refused: Twilio's signature sorts repeated values, so it does
 * not say which one was meant. JSON: an object, nested values as their JSON text.
 */
export function parseTwilioBody(body: Buffer | string, type: string): TwilioParse {
  if (type === JSON_TYPE) {
    let value: unknown;
    try {
      value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return { ok: false, error: 'body is not valid JSON', fields: [] };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'body is not a JSON object', fields: [] };
    return { ok: true, params: flattenJson(value as Record<string, unknown>) };
  }
  return singleValues(parseForm(body));
}

/**
 * A parsed form's parameters with each repeated name down to its one value (in place: the form is
 * not read again once verified), or refused when its values differ. `params` has no prototype, as
 * `parseForm` makes it: a field named `__proto__` stays a field, and `for…in` sees only fields.
 */
function singleValues(params: FormParams): TwilioParse {
  let ambiguous: string[] | undefined;
  for (const name in params) {
    const value = params[name];
    if (!Array.isArray(value)) continue;
    if (value.every((v) => v === value[0])) params[name] = value[0];
    else (ambiguous ??= []).push(name);
  }
  if (ambiguous) return { ok: false, error: `fields sent more than once with different values: ${ambiguous.join(', ')}`, fields: ambiguous };
  return { ok: true, params };
}

/** The parameters of a stored Twilio event, read the way ingest verified them (its stored content type). */
export function twilioParams(event: Pick<RawEventPayload, 'body' | 'bodyEncoding' | 'contentType'>): FormParams {
  // A body stored as UTF-8 text is that text: read as it is, not through a copy in bytes and back.
  const body = event.bodyEncoding === 'base64' ? rawBodyBytes(event) : event.body;
  const parsed = parseTwilioBody(body, event.contentType === JSON_TYPE ? JSON_TYPE : FORM);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.params;
}

export type TwilioAcceptance = { ok: true; params: FormParams; bodyContentType: typeof FORM | typeof JSON_TYPE } | Rejection;

/**
 * Verifies and parses a Twilio webhook (form body; or JSON with `bodySHA256` in the URL), then
 * checks the required fields. Shared by the messaging, status and voice providers. The body is
 * parsed once, and the parameters signed are the parameters read.
 */
export function acceptTwilio(request: IngestRequest, secrets: TwilioSecrets | null, required: readonly string[]): TwilioAcceptance {
  const signature = request.headers['x-twilio-signature'];
  if (secrets && typeof signature !== 'string') {
    return { ok: false, reason: 'unauthorized', error: 'missing X-Twilio-Signature header' };
  }
  const type = twilioBodyType(request.url);
  // A form is signed over its pairs as sent (repeated values included, as Twilio's algorithm
  // does), then read from those same pairs; a JSON body is verified by its hash before it is read.
  const form = type === FORM ? parseForm(request.body) : undefined;
  if (secrets) {
    const valid = form
      ? verifyTwilioForm(secrets.authToken, signature as string, request.url, form)
      : verifyTwilioJson(secrets.authToken, signature as string, request.url, request.body);
    if (!valid) return { ok: false, reason: 'forbidden', error: 'invalid X-Twilio-Signature' };
  }
  const parsed = form ? singleValues(form) : parseTwilioBody(request.body, JSON_TYPE);
  if (!parsed.ok) return { ok: false, reason: 'invalid', error: parsed.error, fields: parsed.fields };
  const missing = missingFields(parsed.params, required);
  if (missing.length > 0) return { ok: false, reason: 'invalid', error: `missing required fields: ${missing.join(', ')}`, fields: missing };
  return { ok: true, params: parsed.params, bodyContentType: type };
}

function flattenJson(value: Record<string, unknown>): FormParams {
  const out: FormParams = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[key] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

export { field };
