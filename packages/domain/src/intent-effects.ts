/**
 * What an interpreted message does to its contact: the lead status it moves to, an opt-out or
 * opt-in, a callback request. Pure rules; the database applies them (only for a message newer
 * than the one that last set each state).
 */

/** Lead status a reply's intent moves the contact to; other intents leave it. */
const LEAD_STATUS: Readonly<Record<string, string>> = {
  interested: 'interested',
  not_interested: 'not_interested',
  callback_request: 'callback_requested',
  question: 'engaged',
  info_request: 'engaged',
  opt_out: 'opted_out',
};

/** The lead status an intent label moves its contact to, or null when it leaves it. */
export function leadStatusFor(label: string): string | null {
  return Object.hasOwn(LEAD_STATUS, label) ? LEAD_STATUS[label]! : null;
}

/** The consent change an intent label makes (recorded in the consent ledger), or null. */
export function consentActionOf(label: string): 'opt_out' | 'opt_in' | null {
  return label === 'opt_out' || label === 'opt_in' ? label : null;
}

/** True when the intent asks to be called back (a callback request is recorded). */
export function requestsCallback(label: string): boolean {
  return label === 'callback_request';
}

/** Which rule decided an opt-out or opt-in: the keyword itself (`keyword:STOP`), else the classifier's name. */
export function decidedBy(classifier: string, content: string): string {
  if (classifier !== 'keyword') return classifier;
  const word = content.trim().replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '').toUpperCase().slice(0, 40);
  return `keyword:${word}`;
}

/** The kind of contact a message's sender is, by the message's source. */
export function contactKind(source: string): 'email' | 'bridge' | 'phone' {
  if (source === 'email') return 'email';
  if (source === 'whatsapp-group') return 'bridge';
  return 'phone';
}
