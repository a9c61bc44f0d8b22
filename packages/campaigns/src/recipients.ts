import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** A recipient as the console accepts it: an E.164 string, or an object with `address` and template variables. */
export type RecipientInput = unknown;

/** A valid recipient: its E.164 number and the variables its message is filled with. */
export type Recipient = { address: string; variables: Record<string, string> };

export type RecipientCheck = { ok: true; recipient: Recipient } | { ok: false; reason: string };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_VARIABLE_CHARS = 1_000;
/** A deliberately plain address check (local@domain.tld, no spaces or angle brackets): Mailgun validates further and answers 400. */
const EMAIL = /^[^\s@<>(),;:"[\]]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** True when a checked recipient's address is an email (else an E.164 number). */
export function isEmailAddress(address: string): boolean {
  return address.includes('@');
}

/**
 * Checks one recipient of a campaign. Numbers must already be E.164 (`+` and country code) and
 * valid for their country: a campaign goes to many countries, so there is no default country to
 * guess from, and a number Twilio would refuse (21211) is better refused here with its index.
 * A `whatsapp:` prefix is accepted and dropped: the campaign's channel decides it.
 */
export function checkRecipient(input: RecipientInput): RecipientCheck {
  let address: unknown;
  let variables: Record<string, string> = {};
  if (typeof input === 'string') {
    address = input;
  } else if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const { address: a, ...rest } = input as Record<string, unknown>;
    address = a;
    for (const [key, value] of Object.entries(rest)) {
      if (!VARIABLE_NAME.test(key)) return { ok: false, reason: `variable name "${key.slice(0, 64)}" must be letters, digits and "_"` };
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { ok: false, reason: `variable "${key}" must be a string, number or boolean` };
      const text = String(value);
      if (text.length > MAX_VARIABLE_CHARS) return { ok: false, reason: `variable "${key}" is longer than ${MAX_VARIABLE_CHARS} characters` };
      variables[key] = text;
    }
  } else {
    return { ok: false, reason: 'must be an E.164 string or an object with "address"' };
  }
  if (typeof address !== 'string') return { ok: false, reason: '"address" must be a string' };
  // An email campaign's recipients are addresses; the channel (known only once the whole body
  // is read) must then agree with every recipient's kind, which the console checks at the end.
  if (address.includes('@')) {
    const email = address.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) return { ok: false, reason: `"${address.slice(0, 64)}" is not an email address` };
    return { ok: true, recipient: { address: email, variables } };
  }
  const bare = address.trim().replace(/^whatsapp:/i, '');
  if (!/^\+[1-9]\d{6,14}$/.test(bare)) return { ok: false, reason: `"${bare.slice(0, 32)}" is not an E.164 number (+ and 7 to 15 digits)` };
  const phone = parsePhoneNumberFromString(bare);
  if (!phone?.isValid()) return { ok: false, reason: `"${bare}" is not a valid phone number for its country` };
  if (Object.keys(variables).length === 0) variables = {};
  return { ok: true, recipient: { address: phone.number, variables } };
}

/** The names of the `{{variables}}` a template uses. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!))];
}

/**
 * Fills `{{name}}` (spaces inside the braces allowed) from the recipient's variables; `{{address}}`
 * is the recipient's number. A variable the recipient lacks becomes empty text rather than
 * `{{firstName}}` verbatim in a customer's message.
 */
export function fillTemplate(template: string, recipient: { address: string; variables?: Record<string, string> | null }, escape: (text: string) => string = (t) => t): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    if (name === 'address') return escape(recipient.address);
    return escape(recipient.variables?.[name] ?? '');
  });
}

/** HTML-escapes a variable's value for an email's HTML body: a recipient's name cannot inject markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
