import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type ParsedAddress = { channel: 'sms' | 'whatsapp'; address: string };

/**
 * A Twilio `From`/`To`: `whatsapp:+33…` is the WhatsApp channel, not part of the number. Phone
 * numbers come out in E.164; short codes and alphanumeric senders are kept as sent.
 */
export function parseTwilioAddress(value: string, defaultCountry?: string): ParsedAddress {
  const trimmed = value.trim();
  const whatsapp = /^whatsapp:/i.test(trimmed);
  const raw = whatsapp ? trimmed.slice('whatsapp:'.length) : trimmed;
  return { channel: whatsapp ? 'whatsapp' : 'sms', address: toE164(raw, defaultCountry) };
}

/**
 * Answers of {@link toE164} by input, the most recent first: the business's own numbers are in
 * every event and people who reply, reply again, while parsing a number is a third of the
 * listener's normalization. Cleared when full (a pure function: a miss only costs the parse).
 */
const E164_CACHE_MAX = 10_000;
const e164Cache = new Map<string, string>();

/** E.164 when the value is a phone number, the value itself otherwise. */
export function toE164(value: string, defaultCountry?: string): string {
  const key = `${defaultCountry ?? ''}\u0000${value}`;
  const known = e164Cache.get(key);
  if (known !== undefined) return known;
  const trimmed = value.trim();
  const country = defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const phone = parsePhoneNumberFromString(trimmed, country);
  const e164 = phone?.isPossible() ? phone.number : trimmed;
  if (e164Cache.size >= E164_CACHE_MAX) e164Cache.clear();
  e164Cache.set(key, e164);
  return e164;
}

/** A lower-cased bare email address out of `Name <addr@host>` or `addr@host`. */
export function normalizeEmail(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1]! : value).trim().toLowerCase();
}
