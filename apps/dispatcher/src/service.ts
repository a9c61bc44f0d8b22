import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createWorkerMetrics, startMetricsServer } from '@switchboard/metrics';
import { createQueue, createRedis, createResilience } from '@switchboard/queues';
import { startCampaignSender } from './campaign-sender.ts';
import { startDeliveries, type DeliveriesOptions } from './deliveries.ts';

export type DispatcherService = {
  /** `http://host:port/metrics` when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
};

/**
 * The dispatcher: outbound webhook deliveries (worker and outbox sweeper, see deliveries.ts) and
 * campaign sends (see campaign-sender.ts).
 */
export async function startDispatcher(config: Config, logger: Logger, options: Pick<DeliveriesOptions, 'resolver'> = {}): Promise<DispatcherService> {
  const redis = createRedis(config.redis.url, 'worker', 'dispatcher');
  // Outages are logged as a few lines each; pass `resilience` to every createWorker/createQueue here.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => db.$queryRaw`SELECT 1` } });
  resilience.watchRedis(redis, 'dispatcher');
  // Each campaign send is two short transactions (claim, then store the SID): a pool of 2 would
  // serialize the sends in flight.
  const db = createDb({
    url: config.database.url,
    poolSize: Math.min(config.workers.dispatcherConcurrency, 10),
    applicationName: 'switchboard-dispatcher',
    onError: resilience.onError('postgres connection', 'postgres'),
  });
  const deliveries = createQueue('delivery', { connection: redis, prefix: config.redis.prefix, resilience });
  const sends = createQueue('send', { connection: redis, prefix: config.redis.prefix, resilience });
  await Promise.all([deliveries.waitUntilReady(), sends.waitUntilReady(), db.$queryRaw`SELECT 1`]);
  const metrics = createWorkerMetrics('dispatcher');
  metrics.watchQueues([deliveries, sends]);
  const webhooks = await startDeliveries(config, logger, { redis, queue: deliveries, resilience, metrics, ...options });
  const campaignSender = await startCampaignSender({ config, logger, redis, db, deliveryQueue: deliveries, resilience, metrics });
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry });
  logger.info('dispatcher started', { metricsPort: metricsServer?.port });
  let closing: Promise<void> | undefined;
  return {
    metricsUrl: metricsServer ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : undefined,
    close() {
      closing ??= (async () => {
        await metricsServer?.close();
        await Promise.all([campaignSender?.close(), webhooks.close()]);
        resilience.close();
        await Promise.all([deliveries.close(), sends.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
