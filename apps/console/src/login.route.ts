import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '@switchboard/logger';
import { crossSiteProblem, sameSecret, sessionIdOf } from './auth.ts';
import type { AuthLimiter } from './auth-limiter.ts';
import { PAGE_HEADERS, escapeHtml, page } from './html.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from './session-store.ts';

export type LoginDeps = {
  adminToken: string;
  sessions: SessionStore;
  limiter: AuthLimiter;
  logger: Logger;
  /** CONSOLE_PUBLIC_URL's origin: what a browser's Origin must be for a cookie-authenticated write. */
  publicOrigin?: string | undefined;
  /**
   * Mark the cookie Secure even on a plain-http request: the console is reached over TLS through a
   * proxy that Express does not trust (or that does not send X-Forwarded-Proto).
   */
  alwaysSecureCookie?: boolean;
};

const loginBody = z.object({ token: z.string().max(1024), next: z.string().max(2048).optional() });

/** Only a path of this app: never an open redirect to another host (`//evil`, `/\evil`). */
function safeNext(next: string | undefined): string {
  return next && /^\/admin(?:[/?#]|$)/.test(next) && !/[\\\r\n]/.test(next) ? next : '/admin';
}

function loginPage(res: Response, status: number, options: { error?: string; next?: string }): void {
  const error = options.error ? `<p class="error">${escapeHtml(options.error)}</p>` : '';
  res
    .status(status)
    .set(PAGE_HEADERS)
    .type('html')
    .send(
      page(
        'Sign in',
        `<h1>Switchboard console</h1>${error}
<form method="post" action="/admin/login">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<input type="hidden" name="next" value="${escapeHtml(safeNext(options.next))}">
<button type="submit">Sign in</button></form>`,
      ),
    );
}

/**
 * `GET /admin/login` (form), `POST /admin/login` (form or JSON `{token}`) → session cookie,
 * `POST /admin/logout`. Failed logins are counted per IP; past the limit the IP gets 429, even
 * with the right token, until the window ends.
 */
export function loginRoutes(deps: LoginDeps): Router {
  const router = Router();

  router.get('/admin/login', (req, res) => {
    loginPage(res, 200, { next: typeof req.query.next === 'string' ? req.query.next : undefined });
  });

  router.post('/admin/login', express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' }), async (req, res) => {
    const isForm = Boolean(req.is('application/x-www-form-urlencoded'));
    const parsed = loginBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      if (isForm) return loginPage(res, 400, { error: 'Enter the admin token.' });
      res.status(400).json({ error: 'invalid body: token is required (a string)', fields: ['token'] });
      return;
    }
    const ip = req.ip ?? 'unknown';
    const blockedMs = await deps.limiter.blockedFor(ip);
    if (blockedMs > 0) return tooMany(res, isForm, blockedMs);

    if (!sameSecret(parsed.data.token, deps.adminToken)) {
      const waitMs = await deps.limiter.fail(ip);
      deps.logger.warn('console login failed', { ip });
      if (waitMs > 0) return tooMany(res, isForm, waitMs);
      if (isForm) return loginPage(res, 401, { error: 'Wrong token.', next: parsed.data.next });
      res.status(401).json({ error: 'invalid token' });
      return;
    }

    let sessionId: string;
    try {
      await deps.limiter.reset(ip);
      sessionId = await deps.sessions.create();
    } catch (err) {
      deps.logger.warn('session store unavailable', { error: (err as Error).message });
      if (isForm) return loginPage(res, 503, { error: 'Sessions are unavailable (Redis); use the bearer token, or try again.' });
      res.status(503).json({ error: 'session store unavailable; use the bearer token' });
      return;
    }
    res.cookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'strict', secure: req.secure || Boolean(deps.alwaysSecureCookie), path: '/', maxAge: SESSION_TTL_MS });
    deps.logger.info('console login', { ip });
    if (isForm) {
      res.redirect(303, safeNext(parsed.data.next));
      return;
    }
    res.status(200).json({ expiresAt: new Date(Date.now() + SESSION_TTL_MS).toISOString() });
  });

  router.post('/admin/logout', async (req, res) => {
    const sessionId = sessionIdOf(req);
    // Signing an operator out from another site is a nuisance, not a breach; refused all the same.
    const crossSite = sessionId !== undefined ? crossSiteProblem(req, deps.publicOrigin) : undefined;
    if (crossSite) {
      res.status(403).json({ error: crossSite });
      return;
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure || Boolean(deps.alwaysSecureCookie), path: '/' });
    if (sessionId !== undefined) {
      try {
        await deps.sessions.destroy(sessionId);
      } catch (err) {
        // The browser forgets the cookie, but the session lives on until its TTL: say so.
        deps.logger.warn('session store unavailable', { error: (err as Error).message });
        res.status(503).json({ error: 'session store unavailable: signed out in this browser, but the session was not revoked' });
        return;
      }
    }
    if (req.accepts(['json', 'html']) === 'html') {
      res.redirect(303, '/admin/login');
      return;
    }
    res.status(204).end();
  });

  return router;
}

function tooMany(res: Response, isForm: boolean, waitMs: number): void {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  res.setHeader('Retry-After', String(retryAfterS));
  if (isForm) return loginPage(res, 429, { error: `Too many failed sign-ins from this address; try again in ${retryAfterS} s.` });
  res.status(429).json({ error: `too many failed logins; retry in ${retryAfterS} s` });
}
