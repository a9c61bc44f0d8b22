import { parse } from 'node:querystring';
import type { FormParams } from './signature.ts';

/**
 * Parses an application/x-www-form-urlencoded body ('+' is a space; a repeated key gives an
 * array). Every pair is kept: querystring's default stops at 1,000, which would leave pairs in
 * the stored body that neither the signature nor the reader saw. The body limit bounds the count.
 */
export function parseForm(body: Buffer | string): FormParams {
  return parse(typeof body === 'string' ? body : body.toString('utf8'), '&', '=', { maxKeys: 0 }) as FormParams;
}

/** The single value of a form field (the first, if sent twice). */
export function field(params: FormParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Names of required fields that are absent (an empty value counts as present: Twilio sends `Body=` for a media-only MMS). */
export function missingFields(params: FormParams, required: readonly string[]): string[] {
  return required.filter((name) => params[name] === undefined);
}
