import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, createWorker } from '@switchboard/queues';
import { createRawEventProcessor } from './raw-event.processor.ts';

export type ListenerService = { close(): Promise<void> };

/** Starts the listener worker on the inbound queue. */
export async function startListener(config: Config, logger: Logger): Promise<ListenerService> {
  const redis = createRedis(config.redis.url, 'worker', 'listener');
  redis.on('error', (err) => logger.debug('redis connection error', { error: err.message }));
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-listener' });
  const interpretQueue = createQueue('interpret', { connection: redis, prefix: config.redis.prefix });
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix });
  // While Redis is down, adds fail and the job is retried; the queues' errors are logged, not printed.
  for (const queue of [interpretQueue, deliveryQueue]) queue.on('error', (err) => logger.debug('queue error', { queue: queue.name, error: err.message }));
  const processor = createRawEventProcessor({ db, interpretQueue, deliveryQueue, logger, batchSize: Math.min(config.workers.listenerConcurrency, 200) });
  const worker = createWorker('inbound', (payload) => processor(payload), {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.listenerConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
  });
  worker.on('failed', (job, err) => logger.warn('raw event job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  worker.on('error', (err) => logger.error('listener worker error', { error: err.message }));
  await worker.waitUntilReady();
  logger.info('listener started', { concurrency: config.workers.listenerConcurrency });

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        // Stop taking jobs and let the ones in flight finish; then the connections.
        await worker.close();
        await Promise.all([interpretQueue.close(), deliveryQueue.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
