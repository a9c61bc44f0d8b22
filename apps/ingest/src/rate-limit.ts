import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Rate limiting of failed requests per client IP. Only rejections (401/403/400/413/415) count,
 * so verified provider traffic is never throttled. Counts are shared by every ingest replica in
 * Redis (RateLimiterRedis); while Redis is down an in-memory insurance limiter counts instead.
 * Checking an IP costs no round trip: a replica remembers the IPs over the limit (from its own
 * counting, which reads the shared count) until their window passes.
 */
export type FailureLimiter = {
  /** Seconds until the IP may try again, or 0 when it is not limited. Synchronous: no I/O. */
  retryAfter(ip: string): number;
  /** Counts one failed request of the IP (fire and forget: never delays the answer). */
  failed(ip: string): void;
};

export type FailureLimiterOptions = {
  redis: Redis;
  perMinute: number;
  keyPrefix: string;
  now?: () => number;
};

export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const now = options.now ?? Date.now;
  const windowSec = 60;
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: options.keyPrefix,
    points: options.perMinute,
    duration: windowSec,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${options.keyPrefix}-mem`, points: options.perMinute, duration: windowSec }),
  });
  /** IP → when its window ends (ms epoch). */
  const blocked = new Map<string, number>();

  const block = (ip: string, res: RateLimiterRes) => {
    blocked.set(ip, now() + Math.max(res.msBeforeNext, 1_000));
    // Bound the map: an attacker rotating addresses must not grow it forever.
    if (blocked.size > 100_000) {
      const t = now();
      for (const [key, until] of blocked) if (until <= t) blocked.delete(key);
    }
  };

  return {
    retryAfter(ip) {
      const until = blocked.get(ip);
      if (until === undefined) return 0;
      const ms = until - now();
      if (ms <= 0) {
        blocked.delete(ip);
        return 0;
      }
      return Math.ceil(ms / 1_000);
    },
    failed(ip) {
      limiter.consume(ip).then(
        (res) => {
          if (res.remainingPoints <= 0) block(ip, res);
        },
        (res: unknown) => {
          if (res instanceof RateLimiterRes) block(ip, res);
        },
      );
    },
  };
}
