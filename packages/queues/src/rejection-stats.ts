import type { Redis } from 'ioredis';

/** Why ingest refused a request, as the console's traffic panel groups it. */
export type RejectionReason = 'signature' | 'validation' | 'rate_limit' | 'other';

/** Counts kept per hour, for a day and an hour: the console shows the last 24 h. */
const BUCKET_MS = 3_600_000;
const KEEP_SECONDS = 25 * 3_600;

/** The reason an ingest status code stands for (401/403 a bad signature, 400/413/415 a bad request, 429 the limiter). */
export function rejectionReason(status: number): RejectionReason {
  if (status === 401 || status === 403) return 'signature';
  if (status === 400 || status === 413 || status === 415) return 'validation';
  if (status === 429) return 'rate_limit';
  return 'other';
}

function bucketKey(prefix: string, at: number): string {
  return `${prefix}:stats:rejections:${Math.floor(at / BUCKET_MS)}`;
}

/**
 * Counts one refused webhook request in Redis, per hour, provider and reason. Prometheus has the
 * same counts per process; this copy is shared by every ingest process so the console can show
 * them without a Prometheus server.
 */
export async function recordRejection(redis: Redis, prefix: string, provider: string, status: number, now = Date.now()): Promise<void> {
  const key = bucketKey(prefix, now);
  await redis.multi().hincrby(key, `${provider}|${rejectionReason(status)}`, 1).expire(key, KEEP_SECONDS).exec();
}

/** Rejections over the last 24 h, per provider and reason (only the pairs seen). */
export async function readRejections(redis: Redis, prefix: string, now = Date.now()): Promise<{ provider: string; reason: RejectionReason; count: number }[]> {
  const keys = Array.from({ length: 24 }, (_, i) => bucketKey(prefix, now - i * BUCKET_MS));
  const hashes = await Promise.all(keys.map((k) => redis.hgetall(k)));
  const totals = new Map<string, number>();
  for (const hash of hashes) for (const [field, value] of Object.entries(hash)) totals.set(field, (totals.get(field) ?? 0) + Number(value));
  return [...totals].map(([field, count]) => {
    const [provider, reason] = field.split('|') as [string, RejectionReason];
    return { provider, reason, count };
  }).sort((a, b) => b.count - a.count || a.provider.localeCompare(b.provider));
}
