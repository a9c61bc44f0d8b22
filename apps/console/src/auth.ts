import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Bearer $ADMIN_TOKEN` on every route it guards; 401 otherwise. */
export function requireAdmin(adminToken: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (token !== undefined && sameSecret(token, adminToken)) return next();
    res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="switchboard"').json({ error: token === undefined ? 'missing bearer token' : 'invalid bearer token' });
  };
}
