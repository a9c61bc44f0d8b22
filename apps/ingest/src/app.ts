import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Readiness } from './health.ts';
import { webhookHandler, type HandlerDeps, type ProviderBinding } from './handler.ts';
import { WEBHOOK_ROUTES } from './routes.ts';
import type { ProviderId } from '@switchboard/events';

export type IngestAppDeps = HandlerDeps & {
  bindings: Partial<Record<ProviderId, ProviderBinding>>;
  readiness(): Promise<Readiness>;
};

/** The public ingest app: webhooks, health, metrics. Nothing of the console is mounted here. */
export function createIngestApp(deps: IngestAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);

  for (const route of WEBHOOK_ROUTES) {
    const binding = deps.bindings[route.provider];
    if (binding) app.post(route.path, webhookHandler(route, binding, deps));
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
    const status = err.status ?? err.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (!res.headersSent) res.status(status).json({ error: err.message });
      return;
    }
    deps.logger.error('ingest request failed', { method: req.method, path: req.path, error: err.message, stack: err.stack });
    if (res.headersSent) return void res.destroy();
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
