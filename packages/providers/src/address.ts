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

/** E.164 when the value is a phone number, the value itself otherwise. */
export function toE164(value: string, defaultCountry?: string): string {
  const trimmed = value.trim();
  const country = defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const phone = parsePhoneNumberFromString(trimmed, country);
  return phone?.isPossible() ? phone.number : trimmed;
}

/** A lower-cased bare email address out of `Name <addr@host>` or `addr@host`. */
export function normalizeEmail(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1]! : value).trim().toLowerCase();
}
