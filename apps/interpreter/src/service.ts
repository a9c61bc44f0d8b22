import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import { createClassifier } from '@switchboard/intent';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, createWorker } from '@switchboard/queues';
import { createInterpretProcessor } from './interpret.processor.ts';
import { classifierOptions } from './classifier-options.ts';

export type InterpreterService = { close(): Promise<void> };

/** Starts the interpreter worker on the interpret queue. */
export async function startInterpreter(config: Config, logger: Logger): Promise<InterpreterService> {
  const redis = createRedis(config.redis.url, 'worker', 'interpreter');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-interpreter' });
  const classifier = createClassifier(classifierOptions(config));
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix });
  deliveryQueue.on('error', (err) => logger.debug('queue error', { queue: deliveryQueue.name, error: err.message }));
  const processor = createInterpretProcessor({
    db,
    classifier,
    deliveryQueue,
    logger,
    batchSize: Math.min(config.workers.interpreterConcurrency, 200),
    attributionWindowMs: config.campaigns.attributionWindowMs,
  });
  const worker = createWorker('interpret', (payload) => processor(payload), {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.interpreterConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
  });
  worker.on('failed', (job, err) => logger.warn('interpret job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  worker.on('error', (err) => logger.error('interpreter worker error', { error: err.message }));
  await worker.waitUntilReady();
  logger.info('interpreter started', { concurrency: config.workers.interpreterConcurrency, classifier: classifier.name });

  // The outbox sweeper (deliveries whose job was never added) runs in the dispatcher.

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await worker.close();
        await deliveryQueue.close();
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
