import type { Redis } from 'ioredis';

/** The number of refusals kept: enough to see a pattern, bounded whatever a flood sends. */
export const REJECTION_LOG_SIZE = 1_000;

/**
 * A capped Redis list of refused webhooks, newest first, shared by every ingest copy and read by
 * the console. Ingest writes after its answer is sent, so a refusal costs the caller nothing; a
 * write that fails (Redis down) is dropped: a diagnosis is a help, not a record to keep.
 */
export type RejectionLog<E> = {
  record(entry: E): Promise<void>;
  /** Every kept entry, newest first. */
  list(): Promise<E[]>;
};

export function rejectionLogKey(prefix: string): string {
  return `${prefix}:ingest-rejections`;
}

export function createRejectionLog<E>(redis: Redis, prefix: string, size = REJECTION_LOG_SIZE): RejectionLog<E> {
  const key = rejectionLogKey(prefix);
  return {
    async record(entry) {
      await redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, size - 1).exec();
    },
    async list() {
      const raw = await redis.lrange(key, 0, size - 1);
      const out: E[] = [];
      for (const line of raw) {
        try {
          out.push(JSON.parse(line) as E);
        } catch {
          // Only ingest writes this key, always JSON: a line that is not is skipped, not fatal.
        }
      }
      return out;
    },
  };
}
