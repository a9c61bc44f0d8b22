import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CampaignSettings, Db } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import type { RefusedWebhook } from '@switchboard/providers';
import { createRejectionLog, jobs, type JobInput } from '@switchboard/queues';
import { createWorkerMetrics } from '@switchboard/metrics';
import { requireAdmin } from './auth.ts';
import { createAuthLimiter } from './auth-limiter.ts';
import { callsRoutes } from './calls.route.ts';
import { campaignsRoutes } from './campaigns.route.ts';
import { alertingRoutes } from './alerting.route.ts';
import { consentRoutes } from './consent.route.ts';
import { contactsRoutes } from './contacts.route.ts';
import { adminRoutes } from './admin.route.ts';
import { eventsRoutes } from './events.route.ts';
import { loginRoutes } from './login.route.ts';
import { logsRoutes } from './logs.route.ts';
import { messagesRoutes } from './messages.route.ts';
import { queuesRoutes } from './queues.route.ts';
import { rejectionsRoutes } from './rejections.route.ts';
import { createSessionStore } from './session-store.ts';
import { sourcesRoutes } from './sources.route.ts';
import { webhooksRoutes } from './webhooks.route.ts';

export type ConsoleAppDeps = {
  adminToken: string;
  db: Db;
  /** Every queue, for Bull Board and the dashboard. */
  queues: Queue[];
  /** The queues `POST /api/queues/:name/retry-failed` works on, on a fail-fast connection (default: `queues`). */
  retryQueues?: Queue[];
  /** Where replays go. */
  inboundQueue: Queue<JobInput<'inbound'>>;
  /** Where test sends, retries and recoveries of outbound webhooks go. */
  deliveryQueue: Queue<JobInput<'delivery'>>;
  /** A fail-fast connection for sessions, the login limiter and replays: a request never hangs on Redis. */
  redis: Redis;
  prefix: string;
  logDir: string;
  trustProxy: boolean | number | string;
  /** CONSOLE_PUBLIC_URL: the origin the console's pages are served from, when known. */
  publicUrl?: string | undefined;
  /** The session cookie is Secure even on plain-http requests (see service.ts). */
  alwaysSecureCookie?: boolean;
  logger: Logger;
  /** Settings new campaigns keep (CAMPAIGN_MAX_RETRIES, RETRY_BASE_MS, CAMPAIGN_ALERT_FAILURE_RATE). */
  campaigns?: CampaignSettings;
  /** ERASURE_HASH_KEY: the suppression list's HMAC key (erasure answers 503 without it). */
  erasureHashKey?: string | undefined;
  /** ATTACHMENTS_DIR: where erasure deletes a person's attachments. */
  attachmentsDir?: string;
};

/** The operators' app: admin API, Bull Board, dashboard. Never mounted on the ingest port. */
export function createConsoleApp(deps: ConsoleAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind nginx: req.ip (the login limiter's key) and req.secure (the cookie's Secure flag) come from X-Forwarded-*.
  app.set('trust proxy', deps.trustProxy);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const sessions = createSessionStore(deps.redis, deps.prefix);
  const limiter = createAuthLimiter({ redis: deps.redis, prefix: deps.prefix });
  const publicOrigin = deps.publicUrl ? new URL(deps.publicUrl).origin : undefined;
  app.use(loginRoutes({ adminToken: deps.adminToken, sessions, limiter, logger: deps.logger, publicOrigin, alwaysSecureCookie: deps.alwaysSecureCookie }));

  app.use(['/api', '/admin', '/webhook', '/metrics'], requireAdmin({ adminToken: deps.adminToken, sessions, limiter, logger: deps.logger, publicOrigin }));

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  app.use('/admin/queues', board.getRouter());

  // The console's process metrics and every queue's depth and oldest job, behind the admin token
  // like the rest of this port (Prometheus sends it with `authorization: {credentials: …}`).
  const metrics = createWorkerMetrics('console');
  metrics.watchQueues(deps.queues);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const rejections = createRejectionLog<RefusedWebhook>(deps.redis, deps.prefix);
  app.use(adminRoutes({ db: deps.db, queues: deps.queues, inboundQueue: deps.inboundQueue, deliveryQueue: deps.deliveryQueue, redis: deps.redis, prefix: deps.prefix, logger: deps.logger, rejections }));
  app.use(eventsRoutes({ db: deps.db, inboundQueue: deps.inboundQueue, logger: deps.logger }));
  app.use(messagesRoutes({ db: deps.db }));
  // Before contactsRoutes: `/api/contacts/:address/consent` is not an address.
  const jobQueues = (deps.retryQueues ?? deps.queues).filter((q) => q.name === jobs.inbound.queue || q.name === jobs.interpret.queue);
  app.use(consentRoutes({ db: deps.db, logger: deps.logger, erasureHashKey: deps.erasureHashKey, attachmentsDir: deps.attachmentsDir ?? './var/attachments', jobQueues }));
  app.use(contactsRoutes({ db: deps.db }));
  app.use(callsRoutes({ db: deps.db }));
  app.use(campaignsRoutes({ db: deps.db, erasureHashKey: deps.erasureHashKey, settings: deps.campaigns ?? { maxRetries: 3, retryBaseMs: 5_000, alertFailureRate: 0.2 } }));
  app.use(alertingRoutes({ db: deps.db }));
  app.use(sourcesRoutes({ db: deps.db }));
  app.use(webhooksRoutes({ db: deps.db, deliveryQueue: deps.deliveryQueue }));
  app.use(logsRoutes({ logDir: deps.logDir }));
  app.use(rejectionsRoutes({ rejections }));
  app.use(queuesRoutes({ queues: deps.retryQueues ?? deps.queues, logger: deps.logger }));

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use((err: Error & { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    // body-parser's errors: malformed or oversized bodies are the client's.
    if (err.type === 'entity.parse.failed') return void res.status(400).json({ error: 'body is not valid JSON', fields: [] });
    if (err.type === 'entity.too.large') return void res.status(413).json({ error: 'body too large' });
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return void res.status(415).json({ error: err.message });
    // Any other client error (a path that is not valid percent-encoding: "Failed to decode param"):
    // its own 4xx, as JSON like every answer of this app.
    const status = err.status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return void res.status(status).json({ error: err.message });
    deps.logger.error('console request failed', { method: req.method, path: req.path, error: err.message, stack: err.stack });
    if (res.headersSent) return;
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
