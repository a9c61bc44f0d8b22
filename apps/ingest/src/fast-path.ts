import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, Request } from 'express';
import type { RequestSite } from './handler.ts';

/** A webhook POST route and its handler (`webhookHandler`). */
export type FastRoute = { path: string; handle(req: IncomingMessage, res: ServerResponse, site: RequestSite): Promise<void> };

export type FastPathOptions = {
  /** Express's `trust proxy` setting (the app's): when it trusts something, the site is read through Express's own getters. */
  trustProxy: boolean | number | string;
  publicUrl: string | undefined;
  /** What Express's error handler does with an error that escaped a handler. */
  onError(err: Error, method: string, path: string, res: ServerResponse): void;
};

/**
 * Matches one route path: a literal, or `:name` segments of unreserved characters only (letters,
 * digits, `-._~`): nothing to decode, nothing Express's URL parse would read differently (`#`, `%`).
 */
type Matcher = (path: string) => { sourceId: string | undefined } | undefined;

const UNRESERVED = /^[A-Za-z0-9\-._~]+$/;

function matcher(pattern: string): Matcher {
  if (!pattern.includes(':')) {
    const found = { sourceId: undefined };
    return (path) => (path === pattern ? found : undefined);
  }
  const parts = pattern.split('/');
  return (path) => {
    const segments = path.split('/');
    if (segments.length !== parts.length) return undefined;
    let sourceId: string | undefined;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const segment = segments[i]!;
      if (part.startsWith(':')) {
        if (!UNRESERVED.test(segment)) return undefined;
        if (part === ':sourceId') sourceId = segment;
      } else if (segment !== part) return undefined;
    }
    return { sourceId };
  };
}

/**
 * The webhook POST routes without Express's dispatch. Express costs every request its prototype
 * swap, a final handler, the router's walk over every layer and its promise plumbing (7% of
 * ingest's busy time under load, about as much as the route handler's own work). This
 * listener takes only what it can answer exactly as Express would: method `POST` and a path equal
 * to a route's (the same case, no trailing slash, a `:param` segment without percent-encoding),
 * whatever the query string. Everything else (health, metrics, the GET challenges, 404s, a path
 * Express matches case-insensitively or with a trailing slash, a param to decode) goes to the
 * Express app unchanged, and the route's handler is the same function either way. An error that
 * escapes the handler gets the answer of the app's error handler. With a trusted proxy or without
 * PUBLIC_URL, the client's address and the signed URL's origin come from Express's own getters
 * (`req.ip`, `req.protocol`, `req.host`: the request gets the app's prototype, as Express does).
 */
export function fastPath(app: Express, routes: readonly FastRoute[], options: FastPathOptions): RequestListener {
  const table = routes.map((route) => ({ match: matcher(route.path), handle: route.handle }));
  const { publicUrl, onError } = options;
  const viaExpress = Boolean(options.trustProxy) || publicUrl === undefined;
  const appRequest = app.request as object;

  const site = (req: IncomingMessage, url: string, sourceId: string | undefined): RequestSite => {
    if (!viaExpress) return { ip: req.socket.remoteAddress ?? '', url: publicUrl + url, pathAndQuery: url, sourceId };
    Object.setPrototypeOf(req, appRequest);
    const express = req as Request;
    const ip = (options.trustProxy ? express.ip : req.socket.remoteAddress) ?? '';
    return { ip, url: `${publicUrl ?? `${express.protocol}://${express.host}`}${url}`, pathAndQuery: url, sourceId };
  };

  return (req, res) => {
    if (req.method === 'POST') {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      for (const route of table) {
        const found = route.match(path);
        if (found === undefined) continue;
        let handled: Promise<void>;
        try {
          handled = route.handle(req, res, site(req, url, found.sourceId));
        } catch (err) {
          handled = Promise.reject(err);
        }
        handled.catch((err: Error) => onError(err, 'POST', path, res));
        return;
      }
    }
    app(req, res);
  };
}
