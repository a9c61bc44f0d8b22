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

/** Methods that change nothing: never checked for cross-site use. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a write carrying the session cookie must be refused as cross-site (CSRF), or undefined when
 * it comes from the console's own pages. SameSite=Strict alone is not enough: a sibling subdomain
 * is "same-site", and a replay needs no body at all. Browsers send `Sec-Fetch-Site` and `Origin`
 * on every POST/DELETE; a request with neither is not a browser's, and scripts use the bearer
 * token (which a cross-site page cannot attach). The expected origin is CONSOLE_PUBLIC_URL's, or
 * the request's own (scheme and host through the trusted proxy).
 */
export function crossSiteProblem(req: Request, publicOrigin: string | undefined): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    const expected = publicOrigin ?? `${req.protocol}://${req.host}`;
    return origin === expected ? undefined : `cross-site request refused (Origin ${origin}, expected ${expected})`;
  }
  if (typeof site === 'string') return undefined;
  return 'a write with the session cookie needs the browser\'s Origin or Sec-Fetch-Site header (scripts use the bearer token)';
}

/**
 * `Authorization: Bearer $ADMIN_TOKEN`, or the session cookie `/admin/login` hands out, on every
 * route it guards. A wrong bearer token is refused even when a valid cookie comes with it, and
 * counts as a failed login for the IP: an IP over the limit gets 429 for any bearer token. A
 * write authenticated by the cookie must come from the console's own origin ({@link crossSiteProblem}).
 */
export function requireAdmin(deps: { adminToken: string; sessions: SessionStore; limiter: AuthLimiter; logger: Logger; publicOrigin?: string | undefined }) {
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
      if (!valid) return refuse(req, res, 'session expired or signed out');
      const crossSite = crossSiteProblem(req, deps.publicOrigin);
      if (crossSite) {
        deps.logger.warn('console refused a cross-site write', { path: req.path, origin: req.headers.origin, secFetchSite: req.headers['sec-fetch-site'] });
        res.status(403).json({ error: crossSite });
        return;
      }
      return next();
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
