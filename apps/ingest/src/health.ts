import type { Redis } from 'ioredis';
import { pingPostgres, type Db } from '@switchboard/db';

export type Readiness = { ready: boolean; down: string[]; warnings: string[] };

/**
 * Redis and Postgres reachable, each within a second. Redis that may drop what it acknowledged
 * (no AOF, or an eviction policy) is a warning, not a failure: see docs/contract.md.
 */
export async function checkReadiness(redis: Redis, db: Db): Promise<Readiness> {
  const down: string[] = [];
  const warnings: string[] = [];
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref())]);
  await Promise.all([
    within(redis.info('persistence').then(async (persistence) => {
      const memory = await redis.info('memory');
      if (!/aof_enabled:1/.test(persistence)) warnings.push('redis: AOF is off (appendonly no): events acknowledged shortly before a Redis crash can be lost');
      const policy = /maxmemory_policy:(\S+)/.exec(memory)?.[1];
      if (policy && policy !== 'noeviction') warnings.push(`redis: maxmemory-policy is ${policy}, not noeviction: queued jobs can be evicted`);
    })).catch(() => down.push('redis')),
    within(pingPostgres(db)).catch(() => down.push('postgres')),
  ]);
  return { ready: down.length === 0, down, warnings };
}
