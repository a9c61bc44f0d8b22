/** A campaign's counters by status (the contract's `counts`). */
export type CampaignCounts = {
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  undelivered: number;
  skipped: number;
  canceled: number;
};

/** The contract's rates: fractions of the total, in [0, 1]; 0 for an empty campaign. */
export function campaignRates(counts: CampaignCounts, total: number): { deliveryRate: number; failureRate: number } {
  if (total <= 0) return { deliveryRate: 0, failureRate: 0 };
  return {
    deliveryRate: (counts.delivered + counts.read) / total,
    failureRate: (counts.failed + counts.undelivered) / total,
  };
}

/** At least this many messages must have reached a final delivery outcome before an alert can fire. */
export const ALERT_MIN_FINAL = 20;

/**
 * The failure rate an alert looks at: failures among the messages whose delivery is decided
 * (delivered, read, failed, undelivered). Skipped (opted-out) and canceled messages were never
 * sent, and messages still on their way are not decided yet, so neither dilutes the rate.
 * Returns undefined until {@link ALERT_MIN_FINAL} messages are decided.
 */
export function alertFailureRate(counts: Pick<CampaignCounts, 'delivered' | 'read' | 'failed' | 'undelivered'>): number | undefined {
  const failures = counts.failed + counts.undelivered;
  const decided = counts.delivered + counts.read + failures;
  if (decided < ALERT_MIN_FINAL) return undefined;
  return failures / decided;
}

/** True when a campaign's alert should fire now: enough decided messages and the failure rate at or above the threshold. */
export function alertDue(counts: Pick<CampaignCounts, 'delivered' | 'read' | 'failed' | 'undelivered'>, threshold: number): boolean {
  const rate = alertFailureRate(counts);
  return rate !== undefined && rate >= threshold;
}
