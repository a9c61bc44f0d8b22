/**
 * The retry schedule, in multiples of RETRY_BASE_MS: with the default 5 s it is Svix's 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h (https://docs.svix.com/retries), about 27.6 h after the first
 * attempt, so an endpoint down for a day still gets everything. Eight attempts in all.
 */
export const RETRY_MULTIPLIERS = [1, 60, 360, 1_440, 3_600, 7_200, 7_200] as const;

/** Attempts a delivery gets before it is marked failed: the first, then one per delay. */
export const MAX_ATTEMPTS = RETRY_MULTIPLIERS.length + 1;

/** A Retry-After longer than this is read as this: a receiver cannot park a delivery past the schedule's span. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** The schedule's delays for a base (the console's docs and the tests read it from here). */
export function retrySchedule(baseMs: number): number[] {
  return RETRY_MULTIPLIERS.map((m) => m * baseMs);
}

/**
 * How long to wait after failed attempt `attempt` (1-based) before the next one, or undefined when
 * the schedule is spent. A receiver's Retry-After is honoured: the retry never comes earlier.
 */
export function nextRetryDelay(attempt: number, baseMs: number, retryAfterMs?: number): number | undefined {
  const multiplier = RETRY_MULTIPLIERS[attempt - 1];
  if (multiplier === undefined) return undefined;
  const scheduled = multiplier * baseMs;
  if (retryAfterMs === undefined) return scheduled;
  return Math.max(scheduled, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
