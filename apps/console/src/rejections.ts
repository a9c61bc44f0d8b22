import type { RefusedWebhook, UrlCandidate } from '@switchboard/providers';

/** Refusals of one route for one reason: how many, when, and what the latest one's diagnosis said. */
export type RejectionGroup = {
  route: string;
  provider: string;
  reason: string;
  count: number;
  firstAt: string;
  lastAt: string;
  /** The latest refusal's message, as the caller got it. */
  error: string;
  /** The latest URL checked, and the variants that would have verified it (Twilio). */
  checkedUrl: string | null;
  verifiedBy: UrlCandidate[];
  /** What to do about it, in one sentence. */
  hint: string;
  lastRemoteIp: string;
};

const HINTS: Record<string, string> = {
  url_mismatch: 'the auth token is right but the URL differs: set PUBLIC_URL (or TRUST_PROXY) so the URL checked is the one configured at Twilio, or change the webhook URL at Twilio to the one checked',
  secret_mismatch: 'no nearby URL verifies: TWILIO_AUTH_TOKEN is not the token of the account that signs (or a proxy altered the body)',
  missing_signature: 'the request carried no signature header: it did not come from the provider, or a proxy strips the header',
};

/** The refusals (newest first) grouped per route and reason, the most recent group first. */
export function aggregateRejections(entries: readonly RefusedWebhook[]): RejectionGroup[] {
  const groups = new Map<string, RejectionGroup>();
  for (const entry of entries) {
    const key = `${entry.route}\u0000${entry.reason}`;
    const group = groups.get(key);
    if (group) {
      // Entries come newest first: later ones only push the first time back.
      group.count += 1;
      group.firstAt = entry.at;
      continue;
    }
    groups.set(key, {
      route: entry.route,
      provider: entry.provider,
      reason: entry.reason,
      count: 1,
      firstAt: entry.at,
      lastAt: entry.at,
      error: entry.error,
      checkedUrl: entry.diagnosis?.checkedUrl ?? null,
      verifiedBy: entry.diagnosis?.verifiedBy ?? [],
      hint: HINTS[entry.reason] ?? 'the signature did not verify with the configured secret',
      lastRemoteIp: entry.remoteIp,
    });
  }
  return [...groups.values()].sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0));
}
