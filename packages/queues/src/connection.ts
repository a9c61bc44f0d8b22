import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

/**
 * A Redis connection for BullMQ. Workers wait for Redis forever (BullMQ requires
 * `maxRetriesPerRequest: null`); producers fail fast when Redis is unreachable so the caller can
 * fall back (ingest writes to its spool) instead of hanging a provider's request.
 */
export function createRedis(url: string, role: RedisRole, name?: string): Redis {
  const common: RedisOptions = {
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  const options: RedisOptions =
    role === 'worker'
      ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
      : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000 };
  return new Redis(url, options);
}
