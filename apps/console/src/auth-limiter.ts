import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type AuthLimiter = {
  /** Milliseconds until this IP may try again, or 0 when it is not blocked. */
  blockedFor(ip: string): Promise<number>;
  /** Counts a failed attempt; returns the wait when this one went over the limit, else 0. */
  fail(ip: string): Promise<number>;
  /** A success forgets the IP's earlier failures. */
  reset(ip: string): Promise<void>;
};

export type AuthLimiterOptions = { redis: Redis; prefix: string; maxFailures?: number; windowS?: number };

/**
 * Failed authentications (wrong token at the login form or in a bearer header) per IP, in Redis
 * so every console process shares the count: `maxFailures` (10) in `windowS` (15 min), then the
 * IP is refused for a window, even with the right token, so guessing cannot go on.
 */
export function createAuthLimiter(options: AuthLimiterOptions): AuthLimiter {
  const points = options.maxFailures ?? 10;
  const duration = options.windowS ?? 15 * 60;
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:console:auth-failures`,
    points,
    duration,
    blockDuration: duration,
    // Redis down: count in this process's memory rather than let guesses through uncounted.
    insuranceLimiter: new RateLimiterMemory({ points, duration, blockDuration: duration }),
  });
  return {
    async blockedFor(ip) {
      const state = await limiter.get(ip);
      return state !== null && state.consumedPoints >= points ? Math.max(1, state.msBeforeNext) : 0;
    },
    async fail(ip) {
      try {
        await limiter.consume(ip);
        return 0;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
        throw rejection;
      }
    },
    async reset(ip) {
      await limiter.delete(ip);
    },
  };
}
