/** Keys whose values are secrets or signatures: never written to a log. */
const SECRET_KEY = /(secret|token|signature|password|passwd|authorization|auth|api[-_]?key|cookie|signing[-_]?key)/i;
/** Keys that carry a phone number or an address of a person. */
const PERSON_KEY = /^(from|to|sender|recipient|caller|called|phone|address|author|operatorPhone)$/i;

/** Masks all but the country code and the last two digits of a phone number. */
export function maskPhone(value: string): string {
  return value.replace(/\+?\d[\d\s().-]{5,}\d/g, (m) => {
    const digits = m.replace(/\D/g, '');
    return `${m.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}${'*'.repeat(Math.max(digits.length - 4, 1))}${digits.slice(-2)}`;
  });
}

function maskPerson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const at = value.indexOf('@');
  if (at > 0) return `${value[0]}***${value.slice(at)}`;
  return maskPhone(value);
}

/**
 * A copy of `meta` with secrets replaced by "[redacted]" and phone numbers masked. Walks plain
 * objects and arrays, a few levels deep; leaves everything else as is.
 */
export function redact(meta: unknown, depth = 0): unknown {
  if (depth > 6 || meta === null || typeof meta !== 'object') return meta;
  if (meta instanceof Error) return { name: meta.name, message: meta.message, stack: meta.stack };
  if (Array.isArray(meta)) return meta.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'boolean') out[key] = '[redacted]';
    else if (PERSON_KEY.test(key)) out[key] = maskPerson(value);
    else out[key] = redact(value, depth + 1);
  }
  return out;
}
