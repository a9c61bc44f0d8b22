import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@switchboard/logger';
import type { AuthLimiter } from './auth-limiter.ts';
import { SESSION_COOKIE, type SessionStore } from './session-store.ts';

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The session id from the request's cookie, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[SESSION_COOKIE] : undefined;
}

/** A browser page (a GET for HTML under /admin) is sent to the login form; everything else gets 401 JSON. */
function wantsLoginPage(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && req.originalUrl.startsWith('/admin') && (req.accepts(['json', 'html']) === 'html');
}

/**
 * `Authorization: Bearer $ADMIN_TOKEN`, or the session cookie `/admin/login` hands out, on every
 * route it guards. A wrong bearer token is refused even when a valid cookie comes with it, and
 * counts as a failed login for the IP: an IP over the limit gets 429 for any bearer token.
 */
export function requireAdmin(deps: { adminToken: string; sessions: SessionStore; limiter: AuthLimiter; logger: Logger }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const ip = req.ip ?? 'unknown';
      const blockedMs = await deps.limiter.blockedFor(ip);
      if (blockedMs > 0) return tooMany(res, blockedMs);
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
      if (sameSecret(token, deps.adminToken)) return next();
      const waitMs = await deps.limiter.fail(ip);
      deps.logger.warn('console bearer token refused', { ip, path: req.path });
      if (waitMs > 0) return tooMany(res, waitMs);
      return refuse(req, res, 'invalid bearer token');
    }
    const sessionId = sessionIdOf(req);
    if (sessionId !== undefined) {
      let valid: boolean;
      try {
        valid = await deps.sessions.isValid(sessionId);
      } catch (err) {
        deps.logger.warn('session store unavailable', { error: (err as Error).message });
        res.status(503).json({ error: 'session store unavailable; use the bearer token' });
        return;
      }
      if (valid) return next();
      return refuse(req, res, 'session expired or signed out');
    }
    refuse(req, res, 'missing bearer token');
  };
}

function tooMany(res: Response, waitMs: number): void {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  res.status(429).setHeader('Retry-After', String(retryAfterS)).json({ error: `too many failed logins; retry in ${retryAfterS} s` });
}

function refuse(req: Request, res: Response, reason: string): void {
  if (wantsLoginPage(req)) {
    res.redirect(302, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="switchboard"').json({ error: reason });
}
