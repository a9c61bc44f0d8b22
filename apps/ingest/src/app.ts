import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Readiness } from './health.ts';
import type { ProviderBinding } from '@switchboard/providers';
import { challengeHandler } from './challenge.ts';
import { fastPath, type FastRoute } from './fast-path.ts';
import { expressSite, sendJson, webhookHandler, type HandlerDeps } from './handler.ts';
import { WEBHOOK_ROUTES, type WebhookRoute } from './routes.ts';

export type IngestAppDeps = HandlerDeps & {
  trustProxy: boolean | number | string;
  /** Each provider id's binding; every route served must have one. */
  bindings: ReadonlyMap<string, ProviderBinding>;
  /** The routes served: the registered providers' by default. */
  routes?: readonly WebhookRoute[];
  readiness(): Promise<Readiness>;
};

/**
 * The public ingest app: webhooks, health, metrics. Nothing of the console is mounted here. A route
 * without a binding (or a GET route whose provider has no `challenge`) throws: ingest refuses to
 * start rather than leave a documented route answering 404.
 */
export function createIngestApp(deps: IngestAppDeps): Express {
  return ingestApp(deps).app;
}

/**
 * What ingest's HTTP server runs: the Express app behind a fast path for the webhook POST routes
 * (fast-path.ts). Every request the fast path does not match exactly, and every answer but a
 * webhook POST's, is the Express app's.
 */
export function createIngestListener(deps: IngestAppDeps): RequestListener {
  const { app, posts } = ingestApp(deps);
  return fastPath(app, posts, {
    trustProxy: deps.trustProxy,
    publicUrl: deps.publicUrl,
    onError: (err, method, path, res) => answerError(err, method, path, res, deps),
  });
}

/**
 * An error that escaped a handler: a client's mistake is its own 4xx with its message, anything
 * else is logged and answered 500. Every answer of this port is JSON.
 */
function answerError(err: Error & { status?: number; statusCode?: number }, method: string, path: string, res: ServerResponse, deps: Pick<IngestAppDeps, 'logger'>): void {
  const status = err.status ?? err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (!res.headersSent) sendJson(res, status, { error: err.message });
    return;
  }
  deps.logger.error('ingest request failed', { method, path, error: err.message, stack: err.stack });
  if (res.headersSent) return void res.destroy();
  sendJson(res, 500, { error: 'internal error' });
}

function ingestApp(deps: IngestAppDeps): { app: Express; posts: FastRoute[] } {
  const app = express();
  const posts: FastRoute[] = [];
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);

  for (const route of deps.routes ?? WEBHOOK_ROUTES) {
    const binding = deps.bindings.get(route.provider);
    if (!binding) throw new Error(`${route.method} ${route.path}: no binding for provider "${route.provider}"`);
    if (route.method === 'GET') app.get(route.path, challengeHandler(route, binding, deps));
    else {
      const handle = webhookHandler(route, binding, deps);
      app.post(route.path, (req, res) => handle(req, res, expressSite(req, deps)));
      posts.push({ path: route.path, handle });
    }
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const readiness = await deps.readiness();
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? 'ready' : 'unavailable', down: readiness.down, warnings: readiness.warnings });
  });

  const { metrics } = deps;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
    });
  }

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  // Express's own error page is HTML and, for a thrown error, a 500 with its stack outside
  // production: every answer of this port is JSON, a client's mistake its own 4xx (a path that is
  // not valid percent-encoding is "Failed to decode param", 400).
  app.use((err: Error & { status?: number; statusCode?: number }, req: Request, res: Response, _next: NextFunction) => {
    answerError(err, req.method, req.path, res, deps);
  });
  return { app, posts };
}
