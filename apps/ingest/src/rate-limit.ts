import ipaddr from 'ipaddr.js';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Rate limiting of failed requests per client (an IPv4 address, an IPv6 /64: see {@link clientKey}). Only rejections (401/403/400/413/415) count,
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

/**
 * The key a client is counted under: an IPv4 address as is (also when a dual-stack socket reports
 * it as `::ffff:a.b.c.d`), an IPv6 address by its /64. One IPv6 subscriber or host usually holds a
 * whole /64 and may use any address in it: keyed per address, it would get 2^64 budgets.
 */
export function clientKey(ip: string): string {
  // The hot path: a plain IPv4 address (every request is checked) needs no parsing.
  if (!ip.includes(':') || !ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}

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
  /** Client key → when its window ends (ms epoch). */
  const blocked = new Map<string, number>();

  const block = (key: string, res: RateLimiterRes) => {
    blocked.set(key, now() + Math.max(res.msBeforeNext, 1_000));
    // Bound the map: an attacker rotating addresses must not grow it forever.
    if (blocked.size > 100_000) {
      const t = now();
      for (const [k, until] of blocked) if (until <= t) blocked.delete(k);
    }
  };

  return {
    retryAfter(ip) {
      // Every request asks: with nobody blocked (the usual case) the address is not even parsed.
      if (blocked.size === 0) return 0;
      const key = clientKey(ip);
      const until = blocked.get(key);
      if (until === undefined) return 0;
      const ms = until - now();
      if (ms <= 0) {
        blocked.delete(key);
        return 0;
      }
      return Math.ceil(ms / 1_000);
    },
    failed(ip) {
      const key = clientKey(ip);
      limiter.consume(key).then(
        (res) => {
          if (res.remainingPoints <= 0) block(key, res);
        },
        (res: unknown) => {
          if (res instanceof RateLimiterRes) block(key, res);
        },
      );
    },
  };
}
