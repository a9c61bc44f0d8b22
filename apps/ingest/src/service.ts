import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { loadKeywordReplies, twilioMessaging } from '@switchboard/providers';
import { createQueue, createRedis } from '@switchboard/queues';
import { createIngestApp } from './app.ts';
import { checkReadiness } from './health.ts';
import { queueSink } from './sink.ts';

export type IngestService = { url: string; server: Server; close(): Promise<void> };

/** Starts the ingest HTTP server and what it needs (Redis, the inbound queue, a Postgres client for readiness). */
export async function startIngest(config: Config, logger: Logger): Promise<IngestService> {
  const redis = createRedis(config.redis.url, 'producer', 'ingest');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  const queue = createQueue('inbound', { connection: redis, prefix: config.redis.prefix });
  queue.on('error', (err) => logger.debug('inbound queue error', { error: err.message }));
  const db = createDb({ url: config.database.url, poolSize: 2, applicationName: 'switchboard-ingest' });
  const sink = queueSink(queue);
  const twilioSecrets = config.twilio.authToken ? { authToken: config.twilio.authToken } : undefined;

  if (config.ingest.insecureSkipSignatures) logger.warn('INSECURE_SKIP_SIGNATURES is set: webhooks are accepted without signature checks');

  const app = createIngestApp({
    sink,
    logger,
    publicUrl: config.ingest.publicUrl,
    maxBodyBytes: config.ingest.maxBodyBytes,
    insecureSkipSignatures: config.ingest.insecureSkipSignatures,
    trustProxy: config.ingest.trustProxy,
    bindings: {
      'twilio-messaging': { provider: twilioMessaging({ keywordReplies: loadKeywordReplies(config.ingest.keywordsFile) }), secrets: () => twilioSecrets },
    },
    readiness: () => checkReadiness(redis, db),
  });

  const server = app.listen(config.ingest.port, config.ingest.host);
  await once(server, 'listening');
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.ingest.host.includes(':') ? `[${config.ingest.host}]` : config.ingest.host}:${port}`;
  logger.info('ingest listening', { url, publicUrl: config.ingest.publicUrl });

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    close() {
      closing ??= (async () => {
        // Stop taking requests, let the ones in flight finish their durable write, then disconnect.
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await sink.close();
        await queue.close();
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
