import type { Intent, IntentLabel } from './types.ts';

/** Carrier/Twilio opt-out keywords, plus the French ones. Compared after accent stripping, so ARRÊT is ARRET. */
export const OPT_OUT_KEYWORDS: readonly string[] = Object.freeze(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'ARRET', 'ARRETE']);
/** Carrier/Twilio opt-in keywords. YES is one only for a contact who is opted out (see {@link CONTEXTUAL_OPT_IN_KEYWORDS}). */
export const OPT_IN_KEYWORDS: readonly string[] = Object.freeze(['START', 'YES', 'UNSTOP']);
/**
 * Opt-in keywords that also answer an offer: alone, they are `interested`, and `opt_in` when the
 * contact is opted out (INTENTS.md rule 8). The match carries both through `whenOptedOut`.
 */
export const CONTEXTUAL_OPT_IN_KEYWORDS: readonly string[] = Object.freeze(['YES']);
/** Help keywords that always mean info_request; configured service keywords are added to these. */
export const HELP_KEYWORDS: readonly string[] = Object.freeze(['HELP', 'INFO', 'AIDE']);
/** The gateway's default service keywords (not applied unless passed as `serviceKeywords`). */
export const DEFAULT_SERVICE_KEYWORDS: readonly string[] = Object.freeze(['INFO', 'HORAIRES', 'CONTACT', 'AIDE']);

/** Options shared by everything that runs the compliance check. */
export type ComplianceOptions = { serviceKeywords?: string[] };

const EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * Reduces a whole message to the form keywords are compared in:
 * accents stripped, upper-case, surrounding whitespace/punctuation/emoji removed.
 */
export function normalizeKeyword(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toUpperCase().replace(EDGES, '');
}

const BASE = buildTable([]);

type Entry = { label: IntentLabel; whenOptedOut?: IntentLabel };

function buildTable(serviceKeywords: readonly string[]): ReadonlyMap<string, Entry> {
  const table = new Map<string, Entry>();
  // Inserted from lowest to highest priority so that opt-out always wins a collision.
  for (const k of [...HELP_KEYWORDS, ...serviceKeywords]) {
    const key = normalizeKeyword(k);
    if (key) table.set(key, { label: 'info_request' });
  }
  for (const k of OPT_IN_KEYWORDS) table.set(k, CONTEXTUAL_OPT_IN_KEYWORDS.includes(k) ? { label: 'interested', whenOptedOut: 'opt_in' } : { label: 'opt_in' });
  for (const k of OPT_OUT_KEYWORDS) table.set(k, { label: 'opt_out' });
  return table;
}

/** Builds a reusable matcher (the keyword table is computed once). */
export function createComplianceMatcher(options: ComplianceOptions = {}): (text: string) => Intent | null {
  const table = options.serviceKeywords?.length ? buildTable(options.serviceKeywords) : BASE;
  return (text) => {
    // Keywords are single short words: skip the normalization for anything longer.
    if (text.length > 64) return null;
    const entry = table.get(normalizeKeyword(text));
    if (!entry) return null;
    return entry.whenOptedOut ? { label: entry.label, confidence: 1, classifier: 'keyword', whenOptedOut: entry.whenOptedOut } : { label: entry.label, confidence: 1, classifier: 'keyword' };
  };
}

/**
 * Whole-message compliance keyword check (STOP, START, HELP...). The message must BE the keyword:
 * case, accents and surrounding whitespace/punctuation are ignored; "stop sending me ads" is not a match.
 * Returns null when the message is not a keyword.
 */
export function matchComplianceKeyword(text: string, options?: ComplianceOptions): Intent | null {
  return createComplianceMatcher(options)(text);
}
