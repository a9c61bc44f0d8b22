import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import { createClassifier } from '@switchboard/intent';
import type { Logger } from '@switchboard/logger';
import { createWorkerMetrics, startMetricsServer } from '@switchboard/metrics';
import { createQueue, createRedis, createResilience, createWorker } from '@switchboard/queues';
import { createInterpretBatchProcessor } from './interpret-batch.processor.ts';
import { createInterpretProcessor } from './interpret.processor.ts';
import { classifierOptions } from './classifier-options.ts';

export type InterpreterService = {
  /** `http://host:port/metrics` when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
};

/** Starts the interpreter worker on the interpret queue. */
export async function startInterpreter(config: Config, logger: Logger): Promise<InterpreterService> {
  const redis = createRedis(config.redis.url, 'worker', 'interpreter');
  // Outages are logged as a few lines each (down, summaries, back); while Postgres is down the worker pauses.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => db.$queryRaw`SELECT 1` } });
  resilience.watchRedis(redis, 'interpreter');
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-interpreter', onError: resilience.onError('postgres connection', 'postgres') });
  const classifier = createClassifier(classifierOptions(config));
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix, resilience });
  const metrics = createWorkerMetrics('interpreter');
  const processor = createInterpretProcessor({
    onBatch: (batcher, size) => metrics.batch('interpret', batcher, size),
    db,
    classifier,
    deliveryQueue,
    logger,
    // Batch jobs bring many messages per job: a write batch is not bounded by the jobs in flight.
    // 100 per transaction: 200 took the peak RSS past 200 MB (Prisma's parameters and results) for no gain.
    batchSize: 100,
    attributionWindowMs: config.campaigns.attributionWindowMs,
  });
  const batchProcessor = createInterpretBatchProcessor(processor);
  // Both job types of the interpret queue: a lone message, and the batches the listener hands off under load.
  const worker = createWorker({ interpret: (payload) => processor(payload), interpretBatch: (payload) => batchProcessor(payload) }, {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.interpreterConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
    resilience,
  });
  worker.on('failed', (job, err) => logger.warn('interpret job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  metrics.instrumentWorker(worker, 'interpret');
  const interpretQueue = createQueue('interpret', { connection: redis, prefix: config.redis.prefix, resilience });
  metrics.watchQueues([interpretQueue]);
  await worker.waitUntilReady();
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer({ port: config.metrics.port, host: config.metrics.host, registry: metrics.registry });
  logger.info('interpreter started', { concurrency: config.workers.interpreterConcurrency, classifier: classifier.name, metricsPort: metricsServer?.port });

  // The outbox sweeper (deliveries whose job was never added) runs in the dispatcher.

  let closing: Promise<void> | undefined;
  return {
    metricsUrl: metricsServer ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : undefined,
    close() {
      closing ??= (async () => {
        await metricsServer?.close();
        await worker.close();
        resilience.close();
        await Promise.all([deliveryQueue.close(), interpretQueue.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
