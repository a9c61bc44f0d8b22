import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createWorkerMetrics, startMetricsServer } from '@switchboard/metrics';
import { createQueue, createRedis, createResilience, createWorker, jobs, SILENCE_SCHEDULER_ID } from '@switchboard/queues';
import { startCampaignSender } from './campaign-sender.ts';
import { startDeliveries, type DeliveriesOptions } from './deliveries.ts';
import { silenceProcessor } from './silence.processor.ts';

export type DispatcherService = {
  /** `http://host:port/metrics` when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
};

/**
 * The dispatcher: outbound webhook deliveries (worker and outbox sweeper, see deliveries.ts) and
 * campaign sends (see campaign-sender.ts).
 */
export type DispatcherOptions = Pick<DeliveriesOptions, 'resolver'> & {
  /** The clock of silence alerts (tests inject one). */
  now?: () => Date;
};

export async function startDispatcher(config: Config, logger: Logger, options: DispatcherOptions = {}): Promise<DispatcherService> {
  const { now = () => new Date(), ...deliveryOptions } = options;
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
  const webhooks = await startDeliveries(config, logger, { redis, queue: deliveries, resilience, metrics, ...deliveryOptions });
  // Silence alerts: one scheduler for all dispatchers (upserted under one id), one job at a time.
  const alerts = createQueue('silence', { connection: redis, prefix: config.redis.prefix, resilience });
  await alerts.upsertJobScheduler(SILENCE_SCHEDULER_ID, { every: config.outbound.silenceCheckIntervalMs }, { name: jobs.silence.name, data: {}, opts: jobs.silence.options });
  const silenceWorker = createWorker('silence', silenceProcessor({ db, redis, prefix: config.redis.prefix, deliveryQueue: deliveries, logger, now }), {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: 1,
    resilience,
  });
  const campaignSender = await startCampaignSender({ config, logger, redis, db, deliveryQueue: deliveries, resilience, metrics });
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry });
  logger.info('dispatcher started', { metricsPort: metricsServer?.port });
  let closing: Promise<void> | undefined;
  return {
    metricsUrl: metricsServer ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : undefined,
    close() {
      closing ??= (async () => {
        await metricsServer?.close();
        await Promise.all([campaignSender?.close(), webhooks.close(), silenceWorker.close()]);
        resilience.close();
        await Promise.all([deliveries.close(), sends.close(), alerts.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
