import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createWorkerMetrics, startMetricsServer } from '@switchboard/metrics';
import { createQueue, createRedis, createResilience, createWorker } from '@switchboard/queues';
import { createRawEventBatchProcessor } from './raw-event-batch.processor.ts';
import { createRawEventProcessor } from './raw-event.processor.ts';

export type ListenerService = {
  /** `http://host:port/metrics` when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
};

/** Starts the listener worker on the inbound queue. */
export async function startListener(config: Config, logger: Logger): Promise<ListenerService> {
  const redis = createRedis(config.redis.url, 'worker', 'listener');
  // Outages are logged as a few lines each (down, summaries, back); while Postgres is down the worker pauses.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => db.$queryRaw`SELECT 1` } });
  resilience.watchRedis(redis, 'listener');
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-listener', onError: resilience.onError('postgres connection', 'postgres') });
  const interpretQueue = createQueue('interpret', { connection: redis, prefix: config.redis.prefix, resilience });
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix, resilience });
  const metrics = createWorkerMetrics('listener');
  const processor = createRawEventProcessor({
    db, interpretQueue, deliveryQueue, logger,
    // Batch jobs bring many events per job: a write batch is not bounded by the jobs in flight.
    batchSize: 200,
    onBatch: (batcher, size) => metrics.batch('raw-event', batcher, size),
  });
  const batchProcessor = createRawEventBatchProcessor(processor);
  // Both job types of the inbound queue: single events, and the batches ingest adds under load.
  const worker = createWorker({ inbound: (payload) => processor(payload), inboundBatch: (payload) => batchProcessor(payload) }, {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.listenerConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
    resilience,
  });
  worker.on('failed', (job, err) => logger.warn('raw event job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  metrics.instrumentWorker(worker, 'raw-event');
  // Its own queue for the depth gauges (the worker does not read counts).
  const inboundQueue = createQueue('inbound', { connection: redis, prefix: config.redis.prefix, resilience });
  metrics.watchQueues([inboundQueue]);
  await worker.waitUntilReady();
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry });
  logger.info('listener started', { concurrency: config.workers.listenerConcurrency, metricsPort: metricsServer?.port });

  let closing: Promise<void> | undefined;
  return {
    metricsUrl: metricsServer ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : undefined,
    close() {
      closing ??= (async () => {
        // Stop taking jobs and let the ones in flight finish; then the connections.
        await metricsServer?.close();
        await worker.close();
        resilience.close();
        await Promise.all([interpretQueue.close(), deliveryQueue.close(), inboundQueue.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
