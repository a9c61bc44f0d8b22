import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const SESSION_COOKIE = 'sb_session';
export const SESSION_TTL_MS = 12 * 3_600_000;

export type SessionStore = {
  /** A new session; returns the opaque id for the cookie. */
  create(): Promise<string>;
  isValid(id: string): Promise<boolean>;
  destroy(id: string): Promise<void>;
};

/**
 * Browser sessions: an opaque random id in the cookie, looked up in Redis with a TTL (12 h).
 * Redis keeps only a hash of the id, so a copy of Redis holds no usable cookie; logout deletes
 * the key, which an HMAC-signed cookie could not do before its expiry.
 */
export function createSessionStore(redis: Redis, prefix: string, ttlMs = SESSION_TTL_MS): SessionStore {
  const key = (id: string) => `${prefix}:console:session:${createHash('sha256').update(id).digest('hex')}`;
  return {
    async create() {
      const id = randomBytes(32).toString('base64url');
      await redis.set(key(id), '1', 'PX', ttlMs);
      return id;
    },
    async isValid(id) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
      return (await redis.exists(key(id))) === 1;
    },
    async destroy(id) {
      await redis.del(key(id));
    },
  };
}
