const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text and attribute values for TwiML. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** A TwiML document: `<Response>` around already-escaped verbs. */
export function twiml(inner = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
}

export const EMPTY_TWIML = twiml();
