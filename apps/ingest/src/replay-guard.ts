import type { Redis } from 'ioredis';

/** What a single-use token's check found. */
export type ReplayCheck = 'first' | 'retry' | 'replayed' | 'unavailable';

export type ReplayGuard = {
  /**
   * Records `token` as used by `dedupKey`: `first` the first time, `retry` when the same event
   * comes again (Mailgun retrying), `replayed` when another event carries a token already used
   * (a captured signature re-sent with other content), `unavailable` when Redis cannot answer.
   */
  check(provider: string, token: string, dedupKey: string): Promise<ReplayCheck>;
};

/**
 * Single-use tokens in Redis (shared by every ingest replica), kept a little longer than the
 * timestamp window: past it the signature check refuses the request anyway.
 */
export function createReplayGuard(options: { redis: Redis; keyPrefix: string; ttlSeconds: number }): ReplayGuard {
  return {
    async check(provider, token, dedupKey) {
      const key = `${options.keyPrefix}:${provider}:${token}`;
      try {
        // SET NX GET (Redis 7): one round trip sets the token or answers who has it.
        const previous = await options.redis.set(key, dedupKey, 'EX', options.ttlSeconds, 'NX', 'GET');
        if (previous === null) return 'first';
        return previous === dedupKey ? 'retry' : 'replayed';
      } catch {
        return 'unavailable';
      }
    },
  };
}
