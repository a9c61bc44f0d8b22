import type { Config } from '@switchboard/config';
import { createDb } from '@switchboard/db';
import type { Logger } from '@switchboard/logger';
import { createQueue, createRedis, createResilience, createWorker } from '@switchboard/queues';
import { createRawEventProcessor } from './raw-event.processor.ts';

export type ListenerService = { close(): Promise<void> };

/** Starts the listener worker on the inbound queue. */
export async function startListener(config: Config, logger: Logger): Promise<ListenerService> {
  const redis = createRedis(config.redis.url, 'worker', 'listener');
  // Outages are logged as a few lines each (down, summaries, back); while Postgres is down the worker pauses.
  const resilience = createResilience({ logger, backoff: config.workers.backoff, probes: { postgres: () => db.$queryRaw`SELECT 1` } });
  resilience.watchRedis(redis, 'listener');
  const db = createDb({ url: config.database.url, poolSize: 4, applicationName: 'switchboard-listener', onError: resilience.onError('postgres connection', 'postgres') });
  const interpretQueue = createQueue('interpret', { connection: redis, prefix: config.redis.prefix, resilience });
  const deliveryQueue = createQueue('delivery', { connection: redis, prefix: config.redis.prefix, resilience });
  const processor = createRawEventProcessor({ db, interpretQueue, deliveryQueue, logger, batchSize: Math.min(config.workers.listenerConcurrency, 200) });
  const worker = createWorker('inbound', (payload) => processor(payload), {
    connection: redis,
    prefix: config.redis.prefix,
    concurrency: config.workers.listenerConcurrency,
    // A crashed worker's jobs are taken back once their lock expires and the stalled check sees it.
    lockDuration: config.workers.stalledIntervalMs,
    stalledInterval: config.workers.stalledIntervalMs,
    resilience,
  });
  worker.on('failed', (job, err) => logger.warn('raw event job failed', { jobId: job?.id, attempt: job?.attemptsMade, error: err.message }));
  await worker.waitUntilReady();
  logger.info('listener started', { concurrency: config.workers.listenerConcurrency });

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        // Stop taking jobs and let the ones in flight finish; then the connections.
        await worker.close();
        resilience.close();
        await Promise.all([interpretQueue.close(), deliveryQueue.close()]);
        redis.disconnect();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
