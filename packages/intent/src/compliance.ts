import type { Intent, IntentLabel } from './types.ts';

/** Carrier/Twilio opt-out keywords, plus the French ones. Compared after accent stripping, so ARRÊT is ARRET. */
export const OPT_OUT_KEYWORDS: readonly string[] = Object.freeze(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'ARRET', 'ARRETE']);
/** Carrier/Twilio opt-in keywords. */
export const OPT_IN_KEYWORDS: readonly string[] = Object.freeze(['START', 'YES', 'UNSTOP']);
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

function buildTable(serviceKeywords: readonly string[]): ReadonlyMap<string, IntentLabel> {
  const table = new Map<string, IntentLabel>();
  // Inserted from lowest to highest priority so that opt-out always wins a collision.
  for (const k of [...HELP_KEYWORDS, ...serviceKeywords]) {
    const key = normalizeKeyword(k);
    if (key) table.set(key, 'info_request');
  }
  for (const k of OPT_IN_KEYWORDS) table.set(k, 'opt_in');
  for (const k of OPT_OUT_KEYWORDS) table.set(k, 'opt_out');
  return table;
}

/** Builds a reusable matcher (the keyword table is computed once). */
export function createComplianceMatcher(options: ComplianceOptions = {}): (text: string) => Intent | null {
  const table = options.serviceKeywords?.length ? buildTable(options.serviceKeywords) : BASE;
  return (text) => {
    // Keywords are single short words: skip the normalization for anything longer.
    if (text.length > 64) return null;
    const label = table.get(normalizeKeyword(text));
    return label ? { label, confidence: 1, classifier: 'keyword' } : null;
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
