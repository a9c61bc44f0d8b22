import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Config } from '@switchboard/config';
import { createDb, pingPostgres, sourceRegistry } from '@switchboard/db';
import { answerClientErrorsAsJson } from '@switchboard/lifecycle';
import type { Logger } from '@switchboard/logger';
import { MAILGUN_TOLERANCE_SEC, PROVIDERS, providerProblems, webhookRoutes, type ProviderPlugin, type RefusedWebhook } from '@switchboard/providers';
import { createQueue, createRedis, createRejectionLog, createResilience, recordRejection, silenceStateKey } from '@switchboard/queues';
import { createIngestListener } from './app.ts';
import { providerBindings } from './bindings.ts';
import { checkReadiness } from './health.ts';
import { createMetrics } from './metrics.ts';
import { createFailureLimiter } from './rate-limit.ts';
import { createReplayGuard } from './replay-guard.ts';
import { durableSink } from './sink.ts';
import { createSourceCache } from './source-cache.ts';
import { openSpool } from './spool.ts';

export type IngestService = {
  url: string;
  server: Server;
  /** Moves what waits in the spool to the queue now (tests; the service also does it by itself). */
  drainSpool(): Promise<number>;
  close(): Promise<void>;
};

/**
 * Starts the ingest HTTP server and what it needs: Redis and the inbound queue, the local spool
 * (drained at start if a previous process left entries), the source registry cache, and a
 * Postgres client for readiness and sources (never on the hot path). It refuses to start, before
 * opening anything, when the provider registry is inconsistent (`providerProblems`).
 */
export async function startIngest(config: Config, logger: Logger, plugins: readonly ProviderPlugin[] = PROVIDERS): Promise<IngestService> {
  const problems = providerProblems(plugins);
  if (problems.length > 0) throw new Error(`provider registry: ${problems.join('; ')}`);
  // Outages are logged as a few lines each (down, summaries, back), not one per reconnect attempt.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => pingPostgres(db) }, redisSilenceLimitMs: config.redis.silenceLimitMs });
  const redis = createRedis(config.redis.url, 'producer', 'ingest');
  resilience.watchRedis(redis, 'ingest');
  const queue = createQueue('inbound', { connection: redis, prefix: config.redis.prefix, resilience });
  const db = createDb({ url: config.database.url, poolSize: 2, applicationName: 'switchboard-ingest', onError: resilience.onError('postgres connection', 'postgres') });
  const spool = await openSpool({
    dir: config.ingest.spoolDir,
    maxBytes: config.ingest.spoolMaxBytes,
    onCorrupt: (file, line) => logger.warn('skipped an unreadable spool line (a write that was never acknowledged)', { file, line }),
  });
  const sink = durableSink({ queue, redis, spool, logger });
  const counters = createMetrics(() => spool.depth(), () => redis.hgetall(silenceStateKey(config.redis.prefix)));
  // Rejections are also counted in Redis, shared by every ingest process, for the console's traffic
  // panel. Best effort: a refused request is answered whatever Redis does, and an outage is
  // already reported by the resilience monitor.
  const metrics = {
    ...counters,
    rejected(provider: string, status: number) {
      counters.rejected(provider, status);
      recordRejection(redis, config.redis.prefix, provider, status).catch((err: Error) => logger.debug('rejection not counted in redis', { error: err.message }));
    },
  };
  const limiter = createFailureLimiter({ redis, perMinute: config.ingest.rateLimitPerMinute, keyPrefix: `${config.redis.prefix}:ingest-failures` });
  // What waited out a Redis outage here is the spool's backlog.
  resilience.register({ pause: () => undefined, resume: () => undefined, catchUp: async () => undefined, backlog: async () => spool.depth() });
  const sources = createSourceCache({ registry: sourceRegistry(db), logger, onReloadError: resilience.onError('source registry reload', 'postgres') });
  void sources.refresh();

  if (config.ingest.insecureSkipSignatures) logger.warn('INSECURE_SKIP_SIGNATURES is set: webhooks are accepted without signature checks');

  const listener = createIngestListener({
    sink,
    logger,
    metrics,
    limiter,
    replayGuard: createReplayGuard({ redis, keyPrefix: `${config.redis.prefix}:ingest-tokens`, ttlSeconds: 2 * MAILGUN_TOLERANCE_SEC + 60 }),
    rejections: createRejectionLog<RefusedWebhook>(redis, config.redis.prefix),
    publicUrl: config.publicUrl,
    maxBodyBytes: config.ingest.maxBodyBytes,
    mailgunMaxBodyBytes: config.ingest.mailgunMaxBodyBytes,
    mailgunMaxTextBytes: config.ingest.mailgunMaxTextBytes,
    attachmentsDir: config.attachmentsDir,
    insecureSkipSignatures: config.ingest.insecureSkipSignatures,
    trustProxy: config.trustProxy,
    bindings: providerBindings(config, sources, plugins),
    routes: webhookRoutes(plugins),
    readiness: () => checkReadiness(redis, db),
  });

  // The first posts after a start go to the queue, not to the spool, unless Redis is really down:
  // the connection is given a moment to open (it is usually ready in a few ms) before the port is.
  await redisReady(redis, REDIS_READY_WAIT_MS);
  const server = createServer(listener).listen(config.ingest.port, config.ingest.host);
  answerClientErrorsAsJson(server);
  await once(server, 'listening');
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.ingest.host.includes(':') ? `[${config.ingest.host}]` : config.ingest.host}:${port}`;
  logger.info('ingest listening', { url, publicUrl: config.publicUrl });

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    drainSpool: () => sink.drainNow(),
    close() {
      closing ??= (async () => {
        // Stop taking requests, let the ones in flight finish their durable write, then disconnect.
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        sources.close();
        resilience.close();
        await sink.close();
        await queue.close();
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}

/** How long a start waits for its Redis connection before listening anyway (events then go to the spool). */
const REDIS_READY_WAIT_MS = 2_000;

/** Resolves once `redis` is ready, or after `ms` whatever its state: never rejects. */
async function redisReady(redis: ReturnType<typeof createRedis>, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}
