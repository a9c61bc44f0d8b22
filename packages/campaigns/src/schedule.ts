/**
 * Delay before resend number `retry` (1, 2, 3…) of a failed campaign message: RETRY_BASE_MS, then
 * four times longer each time (5 s, 20 s, 80 s with the default), so a carrier's bad minute is
 * waited out without delaying the campaign for hours.
 */
export function resendDelayMs(baseMs: number, retry: number): number {
  return baseMs * 4 ** Math.max(retry - 1, 0);
}

/**
 * Delay before a transport retry (Twilio 5xx or no answer): the Retry-After when Twilio gave one,
 * else doubling from one second, capped at a minute.
 */
export function transportRetryDelayMs(attemptsMade: number, retryAfter: number | undefined): number {
  if (retryAfter !== undefined) return retryAfter;
  return Math.min(1_000 * 2 ** Math.max(attemptsMade - 1, 0), 60_000);
}
